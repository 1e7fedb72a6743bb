import { z } from 'zod';
import { IsolateCache } from '../isolate-cache.ts';
import { DemoProvider } from './demo.ts';
import { FAL_QUEUE_URL, FalProvider } from './fal.ts';
import { FAL_JWKS_URL, fetchFalJwks, verifyFalWebhook, type FalJwks } from './fal-webhook.ts';
import type { ProviderName, VideoProvider, WebhookVerdict } from './provider.ts';
import { REPLICATE_API_URL, ReplicateProvider } from './replicate.ts';
import { verifyReplicateWebhook } from './replicate-webhook.ts';

export { DemoProvider, DEMO_MODEL } from './demo.ts';
export { MalformedResponse, ProviderError, RateLimited } from './errors.ts';
export { FalProvider } from './fal.ts';
export { fetchFalJwks, verifyFalWebhook, type FalJwks } from './fal-webhook.ts';
export * from './provider.ts';
export { ReplicateProvider } from './replicate.ts';
export { verifyReplicateWebhook } from './replicate-webhook.ts';
export { signCallback, verifyCallback } from './callback-url.ts';

/** Unset and empty vars both mean "not configured" (wrangler vars are strings). */
const optional = z
	.string()
	.optional()
	.transform((value) => value?.trim() || undefined);
const orDefault = (fallback: string) => optional.transform((value) => value ?? fallback);

const varsSchema = z
	.object({
		FAL_KEY: optional,
		FAL_MODEL: orDefault('bytedance/seedance-2.0/text-to-video').pipe(z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be owner/app[/path]')),
		FAL_QUEUE_URL: orDefault(FAL_QUEUE_URL).pipe(z.url()),
		FAL_JWKS_URL: orDefault(FAL_JWKS_URL).pipe(z.url()),
		REPLICATE_API_TOKEN: optional,
		REPLICATE_MODEL: orDefault('bytedance/seedance-2.0').pipe(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name')),
		REPLICATE_API_URL: orDefault(REPLICATE_API_URL).pipe(z.url()),
		REPLICATE_WEBHOOK_SECRET: optional.pipe(z.string().startsWith('whsec_').optional()),
		DEMO_GENERATION_MS: orDefault('8000').pipe(z.coerce.number<string>().int().min(0).max(600_000)),
		GENERATION_PROVIDER: optional.pipe(z.enum(['fal', 'replicate', 'demo']).optional()),
		// Our fal account's user id: webhooks signed by fal for any other account are refused.
		FAL_USER_ID: optional,
		// The key of the `sig` on the webhook URLs we give providers; default: derived from their API keys.
		WEBHOOK_URL_SECRET: optional,
	})
	.refine((v) => v.GENERATION_PROVIDER !== 'fal' || v.FAL_KEY, { message: 'fal needs FAL_KEY', path: ['GENERATION_PROVIDER'] })
	.refine((v) => v.GENERATION_PROVIDER !== 'replicate' || v.REPLICATE_API_TOKEN, {
		message: 'replicate needs REPLICATE_API_TOKEN',
		path: ['GENERATION_PROVIDER'],
	});

export interface Providers {
	/** What new generations use: GENERATION_PROVIDER, else the first configured of fal, replicate, demo. */
	preferred: VideoProvider;
	/** Every configured provider, so a job can be followed by the provider that started it. */
	byName: { demo: VideoProvider } & Partial<Record<ProviderName, VideoProvider>>;
	/**
	 * Signature checks of the providers whose webhooks this deployment can verify: fal always (its
	 * keys are public), Replicate once REPLICATE_WEBHOOK_SECRET (`GET /v1/webhooks/default/secret`) is set.
	 */
	webhooks: Partial<Record<ProviderName, WebhookVerifier>>;
	/** Signs the webhook URLs we hand out (worker/providers/callback-url.ts). */
	callbackKey: string;
}

export type WebhookVerifier = (headers: Headers, rawBody: ArrayBuffer, now: number) => Promise<WebhookVerdict>;

export interface ProviderDeps {
	fetch?: typeof fetch;
	now?: () => number;
}

/** Builds the providers this deployment has keys for; demo is always there. Misconfiguration throws. */
export function providersFromConfig(vars: object, deps: ProviderDeps = {}): Providers {
	const v = varsSchema.parse(vars);
	const byName: Providers['byName'] = { demo: new DemoProvider({ totalMs: v.DEMO_GENERATION_MS, now: deps.now }) };
	if (v.FAL_KEY) {
		byName.fal = new FalProvider({ baseUrl: v.FAL_QUEUE_URL, apiKey: v.FAL_KEY, model: v.FAL_MODEL, fetch: deps.fetch });
	}
	if (v.REPLICATE_API_TOKEN) {
		byName.replicate = new ReplicateProvider({
			baseUrl: v.REPLICATE_API_URL,
			apiKey: v.REPLICATE_API_TOKEN,
			model: v.REPLICATE_MODEL,
			fetch: deps.fetch,
		});
	}
	const chosen = v.GENERATION_PROVIDER ? byName[v.GENERATION_PROVIDER] : (byName.fal ?? byName.replicate);
	const webhooks: Providers['webhooks'] = {};
	if (byName.fal) {
		const jwks = cachedFalJwks(() => fetchFalJwks(deps.fetch, v.FAL_JWKS_URL), deps.now ?? Date.now);
		const ours = v.FAL_USER_ID;
		webhooks.fal = async (headers, body, now) => {
			const verdict = await verifyFalWebhook(headers, body, await jwks(), now);
			if (verdict.ok && ours && verdict.account !== ours) return { ok: false, reason: 'signed by fal for another account' };
			return verdict;
		};
	}
	const secret = v.REPLICATE_WEBHOOK_SECRET;
	if (byName.replicate && secret) webhooks.replicate = (headers, body, now) => verifyReplicateWebhook(headers, body, secret, now);
	// The API keys are secrets we hold already; a key of its own can be rotated without them.
	const callbackKey = v.WEBHOOK_URL_SECRET ?? `dreamreel webhook urls\n${v.FAL_KEY ?? ''}\n${v.REPLICATE_API_TOKEN ?? ''}`;
	return { preferred: chosen ?? byName.demo, byName, webhooks, callbackKey };
}

/** fal asks that its keys be cached for at most 24 hours. */
const FAL_JWKS_TTL_MS = 24 * 3_600_000;

/**
 * fal's keys, fetched by a webhook and kept for the next ones. Each webhook that finds none fresh fetches
 * them itself rather than await another's fetch (see SharedLoads in worker/isolate-cache.ts), and keys
 * past their 24 hours are never used: a failed fetch is not kept.
 */
function cachedFalJwks(load: () => Promise<FalJwks>, now: () => number): () => Promise<FalJwks> {
	const cached = new IsolateCache<FalJwks>(FAL_JWKS_TTL_MS, 1);
	return async () => cached.get('fal', now()) ?? cached.set('fal', await load(), now());
}
