import { z } from 'zod';
import { fromHex, toBytes, toHex, type RawBody } from './bytes.ts';
import { createHttp, readJson, send } from './http.ts';
import type { WebhookVerdict } from './provider.ts';

export const FAL_JWKS_URL = 'https://rest.alpha.fal.ai/.well-known/jwks.json';
/** fal's documented tolerance for the signed timestamp. */
const MAX_SKEW_SECONDS = 300;

/** Lenient per key: a JWKS may carry keys of other kinds, which are skipped rather than failing the set. */
export const falJwksSchema = z.object({
	keys: z.array(z.object({ kty: z.string().optional(), crv: z.string().optional(), x: z.string().optional() })),
});
export type FalJwks = z.infer<typeof falJwksSchema>;

/** fal's webhook public keys; the caller caches them (≤ 24 h, as fal asks). */
export async function fetchFalJwks(fetcher?: typeof fetch, url = FAL_JWKS_URL): Promise<FalJwks> {
	const http = createHttp('fal', '', { fetch: fetcher });
	return readJson(http, await send(http, url, { method: 'GET', auth: false }), falJwksSchema);
}

/**
 * A fal webhook is genuine if one of fal's Ed25519 keys signed
 * `requestId\nuserId\ntimestamp\nhex(sha256(rawBody))` (the headers' values) within ±300 s of `now` (ms).
 */
export async function verifyFalWebhook(headers: Headers, rawBody: RawBody, jwks: FalJwks, now: number): Promise<WebhookVerdict> {
	const requestId = headers.get('x-fal-webhook-request-id');
	const userId = headers.get('x-fal-webhook-user-id');
	const timestamp = headers.get('x-fal-webhook-timestamp');
	const signatureHex = headers.get('x-fal-webhook-signature');
	if (!requestId || !userId || !timestamp || !signatureHex) return { ok: false, reason: 'missing signature headers' };
	if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) {
		return { ok: false, reason: 'timestamp too far from now' };
	}
	const signature = fromHex(signatureHex);
	if (signature?.length !== 64) return { ok: false, reason: 'signature is not 64 hex-encoded bytes' };

	const bodyHash = toHex(await crypto.subtle.digest('SHA-256', toBytes(rawBody)));
	const message = new TextEncoder().encode(`${requestId}\n${userId}\n${timestamp}\n${bodyHash}`);
	for (const jwk of jwks.keys) {
		if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) continue;
		const key = await crypto.subtle
			.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify'])
			.catch(() => undefined); // one bad key must not hide the good ones
		if (key && (await crypto.subtle.verify('Ed25519', key, signature, message))) return { ok: true, jobId: requestId, deliveryId: `${requestId}:${timestamp}`, account: userId };
	}
	return { ok: false, reason: 'no fal key verifies the signature' };
}
