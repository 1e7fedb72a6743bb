import type { GenerationJob } from '../../durable-objects/GenerationJob.ts';
import type { GenerationQuota } from '../../durable-objects/GenerationQuota.ts';
import { readConfig } from '../config.ts';
import { createIdentity } from '../identity/index.ts';
import { outboundFetch } from '../outbound-fetch.ts';
import { ACCOUNT_OK_TTL_MS, ACCOUNT_REFUSED_TTL_MS, checkAccount, type AccountStatus } from './accounts.ts';
import { providersFromConfig, type Providers } from '../providers/index.ts';
import { readJobConfig, type JobConfig } from './config.ts';
import { likenessKit, type LikenessKit } from '../likeness/kit.ts';
import { indexDatabase } from '../db/index-database.ts';

/** What the generate handlers and the job objects work with; built from env, replaceable in tests. */
export interface JobRuntime {
	config: JobConfig;
	providers: Providers;
	db: D1Database;
	bucket: R2Bucket;
	/** This deployment's origin: finished videos are offered under it. */
	publicUrl: string;
	job: (id: string) => DurableObjectStub<GenerationJob>;
	/** A budget's object: a requester's DID, `host:<name>` or `provider:<name>`. */
	quota: (key: string) => DurableObjectStub<GenerationQuota>;
	/** Whether the requester has an active repo on a PDS, and which (cached in their quota object). */
	account: (requester: string) => Promise<AccountStatus>;
	/** Built on first use (its keys are derived asynchronously); undefined when the deployment keeps no likenesses. */
	likeness: () => Promise<LikenessKit | undefined>;
	now: () => number;
}

export type RuntimeOverride = (env: Env) => Partial<JobRuntime>;

let override: RuntimeOverride | undefined;

/**
 * Tests only: swaps parts of the runtime (providers over the fakes, a hand-driven clock, limits) for
 * every job object and handler built afterwards in this isolate. A module variable rather than a
 * binding because it must survive the eviction of an object, as a test of restarts needs.
 */
export function overrideJobRuntime(next: RuntimeOverride | undefined): void {
	override = next;
}

export function createJobRuntime(env: Env): JobRuntime {
	const changes = override?.(env) ?? {};
	const config = readConfig(env);
	const quota = (key: string) => env.GENERATION_QUOTA.getByName(key);
	const now = changes.now ?? Date.now;
	const db = indexDatabase(env);
	const dids = createIdentity(config, db).dids;
	const fetch = outboundFetch(config.allowLoopbackFetch);
	const account = async (requester: string): Promise<AccountStatus> => {
		const remembered = await quota(requester).account(now());
		if (remembered) return remembered;
		const status = await checkAccount(dids, fetch, requester);
		await quota(requester).rememberAccount({ status, until: now() + (status.ok ? ACCOUNT_OK_TTL_MS : ACCOUNT_REFUSED_TTL_MS) });
		return status;
	};
	let kit: Promise<LikenessKit | undefined> | undefined;
	const likeness = () => (kit ??= likenessKit(env));
	return {
		config: changes.config ?? readJobConfig(env),
		providers: changes.providers ?? providersFromConfig(env),
		db,
		bucket: env.VIDEOS,
		publicUrl: config.publicUrl.origin,
		job: (id) => env.GENERATION_JOB.getByName(id),
		quota,
		account,
		likeness,
		now,
		...changes,
	};
}

/** Built on first use: a deployment misconfigured for generation still serves everything else. */
export function lazyJobRuntime(env: Env): () => JobRuntime {
	let built: JobRuntime | undefined;
	return () => (built ??= createJobRuntime(env));
}
