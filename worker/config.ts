import { z } from 'zod';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

const configSchema = z.object({
	PUBLIC_URL: z.url(),
	FIREHOSE_URL: z.string().regex(/^(jetstream\+)?wss?:\/\//, 'must be ws(s):// or jetstream+ws(s)://'),
	PLC_URL: z.url(),
	ALLOW_LOOPBACK_FETCH: flag.default(false),
	HANDLE_RESOLVER_URL: z.union([z.url(), z.literal('')]).default(''),
	// The account whose repo holds the app.bsky.feed.generator records (see scripts/publish-feeds.ts).
	FEED_PUBLISHER_DID: z.string().regex(/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/).optional(),
	FANOUT_MAX_FOLLOWERS: z.coerce.number().int().positive().default(1000),
});

export interface Config {
	publicUrl: URL;
	/** did:web of this service; ports are percent-encoded as the did:web method requires. */
	serviceDid: `did:web:${string}`;
	firehoseUrl: string;
	plcUrl: string;
	allowLoopbackFetch: boolean;
	/** Resolve handles through this service's resolveHandle instead of DNS/HTTPS (local `.test` handles). */
	handleResolverUrl?: string;
	/** Creators with more followers are merged into timelines at read time rather than pushed. */
	fanoutMaxFollowers: number;
	/** Publisher of the feed-generator records; defaults to the service DID itself. */
	feedPublisherDid: string;
	version: string;
}

export const VERSION = '0.1.0';

/** Parses the deployment's vars once; a misconfiguration fails loudly at the first request. */
export function readConfig(env: Env): Config {
	const vars = configSchema.parse(env);
	const publicUrl = new URL(vars.PUBLIC_URL);
	const serviceDid = `did:web:${encodeURIComponent(publicUrl.host)}` as const;
	return {
		publicUrl,
		serviceDid,
		firehoseUrl: vars.FIREHOSE_URL,
		plcUrl: vars.PLC_URL,
		allowLoopbackFetch: vars.ALLOW_LOOPBACK_FETCH,
		handleResolverUrl: vars.HANDLE_RESOLVER_URL || undefined,
		fanoutMaxFollowers: vars.FANOUT_MAX_FOLLOWERS,
		feedPublisherDid: vars.FEED_PUBLISHER_DID ?? serviceDid,
		version: VERSION,
	};
}
