import { recordGenerated, videoCid } from '../moderation/generated.ts';
import { own } from '../own.ts';
import { signCallback } from '../providers/callback-url.ts';
import type { VideoProvider } from '../providers/provider.ts';
import { outputKey, type Job } from './job.ts';
import { PROGRESS, renderProgress, type StepOutcome } from './machine.ts';
import { describeOutput, storeOutput } from './output.ts';
import { referenceUrl } from '../likeness/reference-url.ts';
import { checkFeatured, type Reference } from './featured.ts';
import { planFor } from './plan.ts';
import { JobError } from './retry.ts';
import type { JobRuntime } from './runtime.ts';

/**
 * One step of a job from the status it is in. Each step is safe to run again from the start: the
 * job object persists the outcome before the next step, and replays a step cut short.
 */
export async function runStep(job: Job, runtime: JobRuntime): Promise<StepOutcome> {
	switch (job.status) {
		case 'queued':
			return checkStep(job, runtime);
		case 'consent_checked':
			return submitStep(job, runtime);
		case 'submitted':
		case 'rendering':
			return pollStep(job, runtime);
		case 'stored':
			return describeStep(job, runtime);
		default:
			throw new Error(`no step runs in status ${job.status}`);
	}
}

/** Checked again here, not only at submit: consent may be withdrawn while a job waits to be retried. */
async function checkStep(job: Job, runtime: JobRuntime): Promise<StepOutcome> {
	const provider = providerOf(job, runtime);
	const featured = await checkFeatured(runtime.db, job.requester, job.spec.cameos, job.spec.remixOf, provider);
	if (!featured.ok) return { fail: `${featured.error}: ${featured.message}` };
	const urls = await referenceUrls(job, runtime, featured.references);
	if (!urls) return { fail: 'LikenessUnavailable: this deployment keeps no likenesses (no LIKENESS_KEY)' };
	const references = featured.references.length > 0 ? { references: featured.references } : {};
	const plan = { ...planFor(job.spec, provider.capabilities, featured.parent, urls), ...references };
	return { to: 'consent_checked', progress: PROGRESS.consent_checked, patch: { plan }, after: 0 };
}

/** One URL per image of each reference, good until the job's deadline and, at the route, only while the job runs. */
async function referenceUrls(job: Job, runtime: JobRuntime, references: Reference[]): Promise<string[] | undefined> {
	if (references.length === 0) return [];
	const kit = await runtime.likeness();
	if (!kit) return undefined;
	const images = references.flatMap(({ did, images: count }) => Array.from({ length: count }, (_, n) => ({ did, n })));
	return Promise.all(images.map(({ did, n }) => referenceUrl(kit.keys.urls, runtime.publicUrl, job.id, did, n, job.deadlineAt)));
}

/**
 * Providers' create is not idempotent: if the object dies between the provider's answer and the
 * write below, the replay submits again (at least once, possibly twice; the lost one is never
 * polled). Where the provider has our webhook, its webhook for the lost one has it cancelled.
 */
async function submitStep(job: Job, runtime: JobRuntime): Promise<StepOutcome> {
	if (!job.plan) throw new JobError('no plan recorded before submission', false);
	const providerJob = await providerOf(job, runtime).create(job.plan.request, { webhookUrl: await webhookUrl(job, runtime) });
	return { to: 'submitted', progress: PROGRESS.submitted, patch: { providerJob, submittedAt: runtime.now() }, after: 0 };
}

async function pollStep(job: Job, runtime: JobRuntime): Promise<StepOutcome> {
	const provider = providerOf(job, runtime);
	if (!job.providerJob) throw new JobError('no provider job recorded', false);
	const status = await provider.status(job.providerJob);
	const after = pollDelay(runtime.now() - (job.submittedAt ?? job.createdAt));
	switch (status.state) {
		case 'queued':
			return { to: job.status, patch: { queuePosition: status.queuePosition }, after };
		case 'running':
			return { to: 'rendering', progress: renderProgress(status.progress, job.progress), patch: { queuePosition: undefined }, after };
		case 'failed':
			return { fail: `the provider could not generate the video: ${status.error}` };
		case 'cancelled':
			return { cancelled: 'cancelled at the provider' };
		case 'succeeded': {
			const result = await provider.result(job.providerJob);
			if (result.mimeType !== 'video/mp4') return { fail: `the provider made a ${result.mimeType} video; clips are MP4` };
			const output = await storeOutput(runtime.bucket, outputKey(job.id, job.secret), await provider.download(result), job.id);
			return { to: 'stored', progress: PROGRESS.stored, patch: { output, queuePosition: undefined }, after: 0 };
		}
	}
}

async function describeStep(job: Job, runtime: JobRuntime): Promise<StepOutcome> {
	if (!job.output) throw new JobError('no stored video recorded', false);
	// Whoever publishes this video, and with whatever self-labels, our labeler says it is AI-generated.
	await recordGenerated(runtime.db, await videoCid(runtime.bucket, job.output.key), job.spec.provider, job.spec.model);
	return { to: 'ready', progress: PROGRESS.ready, patch: { output: await describeOutput(runtime.bucket, job.output) }, after: 0 };
}

/** Often at first (short clips finish in seconds), then less: a long render should not cost hundreds of calls. */
export function pollDelay(sinceSubmitMs: number): number {
	if (sinceSubmitMs < 30_000) return 1_000;
	if (sinceSubmitMs < 120_000) return 2_000;
	return 5_000;
}

/**
 * Where the provider may tell us the job moved on, so it is polled at once rather than at its next
 * poll: only for providers whose webhooks we can verify, and only on a public https deployment.
 */
async function webhookUrl(job: Job, runtime: JobRuntime): Promise<string | undefined> {
	if (!own(runtime.providers.webhooks, job.spec.provider) || !runtime.publicUrl.startsWith('https://')) return undefined;
	const sig = await signCallback(runtime.providers.callbackKey, job.spec.provider, job.id);
	return `${runtime.publicUrl}/webhooks/${job.spec.provider}?job=${job.id}&sig=${sig}`;
}

/** The provider that took the job; one removed from the configuration since cannot finish it. */
export function providerOf(job: Job, runtime: JobRuntime): VideoProvider {
	const provider = own(runtime.providers.byName, job.spec.provider);
	if (!provider) throw new JobError(`provider ${job.spec.provider} is no longer configured`, false);
	return provider;
}
