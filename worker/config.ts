import { z } from 'zod';
import { classifyHost } from './special-addresses.ts';

const did = z.string().regex(/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/, 'must be a DID');
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

const configSchema = z.object({
	// Production unless a local environment says otherwise (wrangler.toml's [env.dev]).
	DEPLOYMENT: z.enum(['production', 'development']).default('production'),
	PUBLIC_URL: z.url({ error: 'must be the public origin of this deployment, e.g. https://dreamreel.example' }),
	FIREHOSE_URL: z.string().regex(/^((jetstream|relay)\+)?wss?:\/\//, 'must be ws(s):// (a PDS), relay+ws(s):// or jetstream+ws(s)://'),
	PLC_URL: z.url(),
	ALLOW_LOOPBACK_FETCH: flag.default(false),
	HANDLE_RESOLVER_URL: z.union([z.url(), z.literal('')]).default(''),
	// The account whose repo holds the app.bsky.feed.generator records (see scripts/publish-feeds.ts).
	FEED_PUBLISHER_DID: did.optional(),
	FANOUT_MAX_FOLLOWERS: z.coerce.number().int().positive().default(250),
	// Client addresses the per-address rate limit does not count (a trusted monitor; a local load test).
	RATE_LIMIT_EXEMPT: z.string().default(''),
	// Where reports go (an Ozone or any labeler's DID), and the account that files them there (see README Moderation).
	MODERATION_SERVICE_DID: did.optional().or(z.literal('')),
	MODERATION_REPORTER_DID: did.optional().or(z.literal('')),
	MODERATION_REPORTER_PASSWORD: z.string().optional(),
	REPORTS_PER_HOUR: z.coerce.number().int().positive().default(20),
	// This service's own label signing key (a private multikey; a secret): without it, it issues no labels.
	LABEL_SIGNING_KEY: z.string().optional(),
	// The key people's likenesses are encrypted under (a secret; read by worker/likeness/kit.ts), checked here only.
	LIKENESS_KEY: z.string().optional(),
	// Labelers whose labels this deployment honours (comma-separated DIDs).
	LABELERS: z.string().default('').transform((list) => list.split(',').map((item) => item.trim()).filter(Boolean)).pipe(z.array(did).max(20)),
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
	/** Addresses the per-address rate limit does not count. */
	rateLimitExempt: ReadonlySet<string>;
	/** Where reports are forwarded, as whom; absent: reports are only kept here. */
	moderation?: { serviceDid: string; reporterDid: string; reporterPassword: string };
	/** Reports one account may file per hour. */
	reportsPerHour: number;
	/** Labelers whose labels are followed (subscribeLabels) and honoured. */
	labelers: string[];
	/** The private multikey this service signs its own labels with, when it is a labeler. */
	labelSigningKey?: string;
	version: string;
}

export const VERSION = '0.1.0';

/** A deployment that must not serve: its vars are invalid, or local values in production. */
export class ConfigError extends Error {
	override name = 'ConfigError';
}

/**
 * Parses the deployment's vars once. Production refuses the values of a local network, so that a
 * deploy carrying them (say, a copied [env.dev]) fails at boot rather than fetching loopback
 * addresses or naming itself did:web:localhost. `npm run deploy` runs the same check first.
 */
export function readConfig(env: Partial<Record<keyof z.input<typeof configSchema>, unknown>>): Config {
	const parsed = configSchema.safeParse(env);
	if (!parsed.success) {
		throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
	}
	const vars = parsed.data;
	if (vars.MODERATION_SERVICE_DID && !(vars.MODERATION_REPORTER_DID && vars.MODERATION_REPORTER_PASSWORD)) {
		throw new ConfigError('MODERATION_SERVICE_DID needs MODERATION_REPORTER_DID and the secret MODERATION_REPORTER_PASSWORD (the account that files reports there)');
	}
	if (vars.DEPLOYMENT === 'production') {
		const problems = productionProblems(vars);
		if (problems.length > 0) {
			throw new ConfigError(`refusing to serve a production deployment with local settings: ${problems.join('; ')} (local development runs with --env dev)`);
		}
	}
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
		rateLimitExempt: new Set(vars.RATE_LIMIT_EXEMPT.split(',').map((address) => address.trim()).filter(Boolean)),
		...(vars.MODERATION_SERVICE_DID && vars.MODERATION_REPORTER_DID && vars.MODERATION_REPORTER_PASSWORD
			? { moderation: { serviceDid: vars.MODERATION_SERVICE_DID, reporterDid: vars.MODERATION_REPORTER_DID, reporterPassword: vars.MODERATION_REPORTER_PASSWORD } }
			: {}),
		reportsPerHour: vars.REPORTS_PER_HOUR,
		labelers: vars.LABELERS,
		...(vars.LABEL_SIGNING_KEY ? { labelSigningKey: vars.LABEL_SIGNING_KEY } : {}),
		version: VERSION,
	};
}

/** wrangler.toml's [env.dev.vars] LIKENESS_KEY: public, so it must never guard real likenesses. */
export const DEV_LIKENESS_KEY = 'rgykeRaGLAtcjIWXa/92gFWTl+Ik5GK9vRT6/7qR0LY=';

function productionProblems(vars: z.output<typeof configSchema>): string[] {
	const problems: string[] = [];
	const local = (url: string) => {
		const host = new URL(url.replace(/^(jetstream|relay)\+/, '')).hostname;
		return classifyHost(host) !== 'public';
	};
	const publicUrl = new URL(vars.PUBLIC_URL);
	if (publicUrl.protocol !== 'https:') problems.push(`PUBLIC_URL ${vars.PUBLIC_URL} must be https (did:web and OAuth need it)`);
	if (local(vars.PUBLIC_URL)) problems.push(`PUBLIC_URL ${vars.PUBLIC_URL} is a local address`);
	if (vars.ALLOW_LOOPBACK_FETCH) problems.push('ALLOW_LOOPBACK_FETCH is "true"; it must be "false"');
	if (vars.LIKENESS_KEY === DEV_LIKENESS_KEY) problems.push('LIKENESS_KEY is the development key published in wrangler.toml; set a secret of your own');
	for (const name of ['FIREHOSE_URL', 'PLC_URL', 'HANDLE_RESOLVER_URL'] as const) {
		if (vars[name] && local(vars[name])) problems.push(`${name} ${vars[name]} is a local address`);
	}
	return problems;
}
