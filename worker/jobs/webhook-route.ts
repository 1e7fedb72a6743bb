import { XRPCError } from '../errors.ts';
import { own } from '../own.ts';
import { JOB_ID } from './job.ts';
import type { JobRuntime } from './runtime.ts';

const error = (status: number, name: string, message: string) => new XRPCError({ status, error: name, message });

/**
 * `POST /webhooks/:provider?job=<id>`: a provider says the job it runs for our job `id` moved on
 * (the URL was given at submit, see `steps.ts`). Nothing is trusted before the signature checks out,
 * and even then the webhook only makes the job poll the provider now (the poll reads the state), or
 * cancels a provider job that this job started but no longer follows.
 */
export async function providerWebhook(request: Request, runtime: JobRuntime, provider: string): Promise<Response> {
	const verify = own(runtime.providers.webhooks, provider);
	if (!verify) throw error(404, 'NotFound', `no webhooks are taken for provider ${provider}`);
	const jobId = new URL(request.url).searchParams.get('job');
	if (!jobId || !JOB_ID.test(jobId)) throw error(400, 'InvalidRequest', 'job must name one of our jobs');
	const verdict = await verify(request.headers, await request.arrayBuffer(), runtime.now());
	if (!verdict.ok) throw error(401, 'InvalidSignature', verdict.reason);
	const outcome = await runtime.job(jobId).nudge(verdict.jobId);
	// Providers' create is not idempotent: stop the one nobody follows from running (and billing) on.
	if (outcome === 'orphan') await own(runtime.providers.byName, provider)?.cancel({ id: verdict.jobId }).catch(() => undefined);
	return new Response(null, { status: 204 });
}
