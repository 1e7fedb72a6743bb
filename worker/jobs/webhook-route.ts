import { XRPCError } from '../errors.ts';
import { own } from '../own.ts';
import { verifyCallback } from '../providers/callback-url.ts';
import { JOB_ID } from './job.ts';
import type { JobRuntime } from './runtime.ts';

const error = (status: number, name: string, message: string) => new XRPCError({ status, error: name, message });

/**
 * `POST /webhooks/:provider?job=<id>`: a provider says the job it runs for our job `id` moved on
 * (the URL was given at submit, see `steps.ts`, signed by us for that job and provider). Nothing is
 * trusted before both signatures check out, each delivery is acted on once,
 * and even then the webhook only makes the job poll the provider now (the poll reads the state), or
 * cancels a provider job that this job started but no longer follows.
 */
export async function providerWebhook(request: Request, runtime: JobRuntime, provider: string): Promise<Response> {
	const verify = own(runtime.providers.webhooks, provider);
	if (!verify) throw error(404, 'NotFound', `no webhooks are taken for provider ${provider}`);
	const jobId = new URL(request.url).searchParams.get('job');
	if (!jobId || !JOB_ID.test(jobId)) throw error(400, 'InvalidRequest', 'job must name one of our jobs');
	const sig = new URL(request.url).searchParams.get('sig');
	if (!(await verifyCallback(runtime.providers.callbackKey, provider, jobId, sig))) throw error(401, 'InvalidSignature', 'this URL was not given out for that job');
	const verdict = await verify(request.headers, await request.arrayBuffer(), runtime.now());
	if (!verdict.ok) throw error(401, 'InvalidSignature', verdict.reason);
	const outcome = await runtime.job(jobId).nudge(verdict.jobId, `${provider}:${verdict.deliveryId}`);
	// A delivery seen before (a retry or a replay) is acknowledged and does nothing more.
	if (outcome === 'duplicate') return new Response(null, { status: 204 });
	// Providers' create is not idempotent: stop the one nobody follows from running (and billing) on.
	if (outcome === 'orphan') await own(runtime.providers.byName, provider)?.cancel({ id: verdict.jobId }).catch(() => undefined);
	return new Response(null, { status: 204 });
}
