import type { Ingester } from '../durable-objects/Ingester.ts';
import type { Labeler } from '../durable-objects/Labeler.ts';
import type { Mirror } from '../durable-objects/Mirror.ts';
import type { Timeline } from '../durable-objects/Timeline.ts';
import { ServiceAuth } from './auth.ts';
import { readConfig, type Config } from './config.ts';
import { AuthDidResolver } from './identity/auth-resolver.ts';
import { createIdentity, type Identity } from './identity/index.ts';
import { lazyJobRuntime, type JobRuntime } from './jobs/runtime.ts';
import { labelKey, type OwnLabeler } from './moderation/own-labels.ts';
import { videoHostOf, type VideoHost } from './video/index.ts';
import { indexDatabase } from './db/index-database.ts';

/** The few objects every handler needs, built once per isolate and passed explicitly. */
export interface AppContext {
	config: Config;
	db: D1Database;
	identity: Identity;
	auth: ServiceAuth;
	/** The index's single writer. */
	ingester: () => DurableObjectStub<Ingester>;
	/** A viewer's following timeline. */
	timeline: (viewer: string) => DurableObjectStub<Timeline>;
	/** Where clips' videos are copied for playback: R2 (default) or Cloudflare Stream. */
	videoHost: VideoHost;
	/** The queue that copies videos to the host. */
	mirror: () => DurableObjectStub<Mirror>;
	/** Generation jobs: their objects, the per-user limits, providers (built on first use). */
	jobs: () => JobRuntime;
	/** One followed labeler's stream. */
	labeler: (did: string) => DurableObjectStub<Labeler>;
	/** This service as a labeler (its key imported on first use); undefined without LABEL_SIGNING_KEY. */
	ownLabeler: () => Promise<OwnLabeler | undefined>;
}

export function createContext(env: Env): AppContext {
	const config = readConfig(env);
	const db = indexDatabase(env);
	const identity = createIdentity(config, db);
	return {
		config,
		db,
		identity,
		// Procedures' nonces are kept by the issuer's generation object: generate and cancelJob are ours.
		auth: new ServiceAuth(config, new AuthDidResolver(identity.dids), { check: ({ iss, jti }, ttlSeconds) => env.GENERATION_QUOTA.getByName(iss).claimNonce(jti, ttlSeconds) }),
		ingester: () => env.INGESTER.getByName('network'),
		timeline: (viewer) => env.TIMELINE.getByName(viewer),
		videoHost: videoHostOf(env, config.publicUrl, config.allowLoopbackFetch),
		mirror: () => env.MIRROR.getByName('videos'),
		jobs: lazyJobRuntime(env),
		labeler: (did) => env.LABELER.getByName(did),
		ownLabeler: once(async () => (config.labelSigningKey ? { did: config.serviceDid, key: await labelKey(config.labelSigningKey) } : undefined)),
	};
}

/** `make`, run on the first call; later calls share its promise. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
	let made: Promise<T> | undefined;
	return () => (made ??= make());
}
