import type { GenerationQuota, QuotaLimits } from '../../durable-objects/GenerationQuota.ts';
import { XRPCError } from '../errors.ts';
import type { VideoDreamreelGenerate } from '../lexicons/index.ts';
import { aspectRatios, type AspectRatio, type VideoProvider } from '../providers/provider.ts';
import { own } from '../own.ts';
import { hostQuotaKey } from './accounts.ts';
import { jobIdFor, type JobSpec } from './job.ts';
import { checkFeatured } from './featured.ts';
import { mentionedPeople } from './mentions.ts';
import type { JobRuntime } from './runtime.ts';
import type { JobView } from './view.ts';

type Input = VideoDreamreelGenerate.$input;

/** A slot held this long past the job timeout is surely free (its release was lost). */
const STALE_SLOT_MARGIN_MS = 5 * 60_000;

/**
 * `generate` for an authenticated requester. Order matters: the idempotent retry is answered
 * first (it must neither be refused by the limits nor counted again), then the requester's account
 * (an active repo on a PDS), consent (of the cameos and of everyone the prompt names), likenesses and
 * remix policy, then the budgets, and only then is the job object started.
 */
export async function submitJob(runtime: JobRuntime, requester: string, input: Input): Promise<JobView> {
	const id = await jobIdFor(requester, input.idempotencyKey);
	const job = runtime.job(id);
	const existing = await job.view(requester);
	if (existing) return existing;

	const account = (await indexedAsInactive(runtime.db, requester))
		? { ok: false as const, reason: 'the network says your account is not active' }
		: await runtime.account(requester);
	if (!account.ok) throw new XRPCError({ status: 403, error: 'AccountNotActive', message: `generation needs an active account on a PDS: ${account.reason}` });
	const provider = chooseProvider(runtime, input.provider);
	// Named in the prompt counts as featured: consent is required, and the published clip lists them.
	const cameos = [...new Set([...(input.cameos ?? []), ...(await mentionedPeople(runtime.db, input.prompt))])];
	const permission = await checkFeatured(runtime.db, requester, cameos, input.remixOf, provider);
	if (!permission.ok) throw new XRPCError({ status: permission.status, error: permission.error, message: permission.message });

	const durationSeconds = input.durationSeconds ?? 5;
	const aspectRatio = aspectRatioOf(input.aspectRatio);
	const reserved = await reserveBudgets(runtime, id, requester, account.pdsHost, provider.name, durationSeconds);

	const spec: JobSpec = {
		prompt: input.prompt,
		durationSeconds,
		aspectRatio,
		cameos,
		...(input.remixOf ? { remixOf: input.remixOf } : {}),
		...(permission.parent ? { lineage: { parent: { uri: permission.parent.uri, cid: permission.parent.cid }, root: permission.parent.root } } : {}),
		provider: provider.name,
		model: provider.model,
	};
	// Listed among the requester's drafts (listJobs) until dismissed or past retention; listed before
	// it exists, so a crash in between cannot leave a job unlisted (an id with no job lists nothing).
	await runtime.quota(requester).rememberJob(id, runtime.now(), runtime.config.retentionMs);
	await listFeatured(runtime, id, requester, cameos);
	let created;
	try {
		created = await job.create({ id, requester, spec });
	} catch (error) {
		// Never started: the day's counts should not keep it either.
		await Promise.all(reserved.map((quota) => quota.unreserve(id).catch(() => undefined)));
		throw error;
	}
	if (!created.ok) throw new Error(`job ${id}: ${created.reason}`);
	return created.job;
}

/**
 * Where a revocation and the people featured (the requester too, with their own likeness) find the job
 * (cameo_jobs). Before the job exists, so a crash cannot leave a running job unlisted; a listed id
 * with no job shows nothing.
 */
async function listFeatured(runtime: JobRuntime, id: string, requester: string, cameos: string[]): Promise<void> {
	if (cameos.length === 0) return;
	const now = new Date(runtime.now());
	const deadline = new Date(runtime.now() + runtime.config.timeoutMs).toISOString();
	await runtime.db.batch([
		runtime.db.prepare('DELETE FROM cameo_jobs WHERE deadline_at < ?1').bind(now.toISOString()),
		runtime.db
			.prepare('INSERT OR IGNORE INTO cameo_jobs (did, job_id, requester, created_at, deadline_at) SELECT value, ?2, ?3, ?4, ?5 FROM json_each(?1)')
			.bind(JSON.stringify(cameos), id, requester, now.toISOString(), deadline),
	]);
}

/**
 * Takes the job's place in each budget it counts against, the requester's first: theirs (running
 * and per day), their PDS host's (per day, unless the host is trusted) and the provider's daily
 * seconds of video. Each object serialises its own check and write; a refusal hands back what the
 * earlier ones took, so budgets can be briefly under-used but never over-spent.
 */
async function reserveBudgets(runtime: JobRuntime, id: string, requester: string, pdsHost: string, provider: string, seconds: number) {
	const { config } = runtime;
	const now = runtime.now();
	const staleAfterMs = config.timeoutMs + STALE_SLOT_MARGIN_MS;
	const unbounded = Number.MAX_SAFE_INTEGER;
	const host = hostQuotaKey(pdsHost);
	const trusted = config.trustedPdsHosts.some((suffix) => pdsHost === suffix || pdsHost.endsWith(`.${suffix}`));
	const budgets: [string, QuotaLimits][] = [[requester, { maxActive: config.maxActive, dailyQuota: config.dailyQuota, staleAfterMs, now }]];
	if (!trusted) budgets.push([`host:${host}`, { maxActive: unbounded, dailyQuota: config.hostDailyQuota, staleAfterMs, now, scope: { host } }]);
	const dailySeconds = config.dailySeconds.get(provider) ?? 0;
	budgets.push([`provider:${provider}`, { maxActive: unbounded, dailyQuota: dailySeconds, cost: seconds, staleAfterMs, now, scope: { provider } }]);
	const taken: DurableObjectStub<GenerationQuota>[] = [];
	for (const [key, limits] of budgets) {
		const quota = runtime.quota(key);
		const slot = await quota.reserve(id, limits);
		if (!slot.ok) {
			await Promise.all(taken.map((earlier) => earlier.unreserve(id).catch(() => undefined)));
			const retryAfter = String(Math.ceil(slot.retryAfterMs / 1000));
			throw new XRPCError({ status: 429, error: slot.error, message: slot.message, headers: { 'retry-after': retryAfter } });
		}
		taken.push(quota);
	}
	return taken;
}

/** The index hears of deactivations and takedowns (#account events) sooner than our cached PDS answer expires. */
async function indexedAsInactive(db: D1Database, did: string): Promise<boolean> {
	const row = await db.prepare('SELECT active FROM actors WHERE did = ?1').bind(did).first<{ active: number }>();
	return row?.active === 0;
}

function chooseProvider(runtime: JobRuntime, name: string | undefined): VideoProvider {
	if (name === undefined) return runtime.providers.preferred;
	const provider = own(runtime.providers.byName, name);
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
