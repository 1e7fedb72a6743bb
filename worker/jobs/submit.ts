import { XRPCError } from '../errors.ts';
import type { VideoDreamreelGenerate } from '../lexicons/index.ts';
import { aspectRatios, type AspectRatio, type VideoProvider } from '../providers/provider.ts';
import { jobIdFor, type JobSpec } from './job.ts';
import { checkPermissions } from './permissions.ts';
import type { JobRuntime } from './runtime.ts';
import type { JobView } from './view.ts';

type Input = VideoDreamreelGenerate.$input;

/** A slot held this long past the job timeout is surely free (its release was lost). */
const STALE_SLOT_MARGIN_MS = 5 * 60_000;

/**
 * `generate` for an authenticated requester. Order matters: the idempotent retry is answered
 * first (it must neither be refused by the limits nor counted again), then consent and remix
 * policy, then the per-user limits, and only then is the job object started.
 */
export async function submitJob(runtime: JobRuntime, requester: string, input: Input): Promise<JobView> {
	const id = await jobIdFor(requester, input.idempotencyKey);
	const job = runtime.job(id);
	const existing = await job.view(requester);
	if (existing) return existing;

	const provider = chooseProvider(runtime, input.provider);
	const cameos = [...new Set(input.cameos ?? [])];
	const permission = await checkPermissions(runtime.db, requester, cameos, input.remixOf);
	if (!permission.ok) throw new XRPCError({ status: permission.status, error: permission.error, message: permission.message });

	const quota = runtime.quota(requester);
	const { config } = runtime;
	const slot = await quota.reserve(id, {
		maxActive: config.maxActive,
		dailyQuota: config.dailyQuota,
		staleAfterMs: config.timeoutMs + STALE_SLOT_MARGIN_MS,
		now: runtime.now(),
	});
	if (!slot.ok) {
		const retryAfter = String(Math.ceil(slot.retryAfterMs / 1000));
		throw new XRPCError({ status: 429, error: slot.error, message: slot.message, headers: { 'retry-after': retryAfter } });
	}

	const spec: JobSpec = {
		prompt: input.prompt,
		durationSeconds: input.durationSeconds ?? 5,
		aspectRatio: aspectRatioOf(input.aspectRatio),
		cameos,
		...(input.remixOf ? { remixOf: input.remixOf } : {}),
		...(permission.parent ? { lineage: { parent: { uri: permission.parent.uri, cid: permission.parent.cid }, root: permission.parent.root } } : {}),
		provider: provider.name,
		model: provider.model,
	};
	let created;
	try {
		created = await job.create({ id, requester, spec });
	} catch (error) {
		// Never started: the day's count should not keep it either.
		await quota.unreserve(id).catch(() => undefined);
		throw error;
	}
	if (!created.ok) throw new Error(`job ${id}: ${created.reason}`);
	return created.job;
}

function chooseProvider(runtime: JobRuntime, name: string | undefined): VideoProvider {
	if (name === undefined) return runtime.providers.preferred;
	const provider = runtime.providers.byName[name as keyof typeof runtime.providers.byName];
	if (!provider) {
		const configured = Object.keys(runtime.providers.byName).join(', ');
		throw new XRPCError({ status: 400, error: 'ProviderUnavailable', message: `provider ${name} is not configured here; try one of: ${configured}` });
	}
	return provider;
}

/** The lexicon leaves aspect ratios open (knownValues); the providers take these three. */
function aspectRatioOf(value: string | undefined): AspectRatio {
	const ratio = value ?? '9:16';
	if ((aspectRatios as readonly string[]).includes(ratio)) return ratio as AspectRatio;
	throw new XRPCError({ status: 400, error: 'InvalidRequest', message: `aspectRatio must be one of ${aspectRatios.join(', ')}` });
}
