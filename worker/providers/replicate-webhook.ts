import { z } from 'zod';
import { concat, fromBase64, toBytes, type RawBody } from './bytes.ts';
import type { WebhookVerdict } from './provider.ts';

/** Standard Webhooks' default tolerance; older deliveries are replays. */
const MAX_AGE_SECONDS = 300;

const predictionIdSchema = z.object({ id: z.string().min(1) });

/**
 * A Replicate webhook (Standard Webhooks) is genuine if one `v1,<base64>` entry of
 * `webhook-signature` is HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${rawBody}`), where key
 * is the base64 after `whsec_` in the secret, and the timestamp is within ±300 s of `now` (ms).
 */
export async function verifyReplicateWebhook(headers: Headers, rawBody: RawBody, secret: string, now: number): Promise<WebhookVerdict> {
	const id = headers.get('webhook-id');
	const timestamp = headers.get('webhook-timestamp');
	const signatures = headers.get('webhook-signature');
	if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing signature headers' };
	if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > MAX_AGE_SECONDS) {
		return { ok: false, reason: 'timestamp too far from now' };
	}
	const keyBytes = fromBase64(secret.replace(/^whsec_/, ''));
	// A bad secret is this deployment's misconfiguration, not a bad request: fail loudly.
	if (!keyBytes?.length) throw new TypeError('the Replicate webhook secret is not whsec_<base64>');
	const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
	const body = toBytes(rawBody);
	const signed = concat(new TextEncoder().encode(`${id}.${timestamp}.`), body);

	for (const entry of signatures.split(' ')) {
		const [version, encoded] = entry.split(',');
		const signature = version === 'v1' && encoded ? fromBase64(encoded) : undefined;
		// subtle.verify compares MACs in constant time, unlike comparing strings.
		if (signature && (await crypto.subtle.verify('HMAC', key, signature, signed))) return verdictFor(body, id);
	}
	return { ok: false, reason: 'no signature matches' };
}

/** The payload is the prediction: its id names the job. */
function verdictFor(body: Uint8Array, deliveryId: string): WebhookVerdict {
	try {
		const parsed = predictionIdSchema.safeParse(JSON.parse(new TextDecoder().decode(body)));
		if (parsed.success) return { ok: true, jobId: parsed.data.id, deliveryId };
	} catch {
		// fall through: signed but not a prediction
	}
	return { ok: false, reason: 'signed body is not a prediction' };
}
