import { streamVideoSchema, type StreamVideo } from './schemas.ts';

export type WebhookBody = string | ArrayBuffer | Uint8Array;

export type StreamWebhookResult =
	| { ok: true; video: StreamVideo }
	| { ok: false; reason: 'missing-signature' | 'malformed-signature' | 'stale' | 'bad-signature' | 'bad-body' };

/**
 * A Stream webhook is genuine iff its `Webhook-Signature: time=<unix s>,sig1=<hex>` has
 * sig1 = hex(HMAC-SHA256(secret, `${time}.${rawBody}`)) and `time` is within `maxAgeSeconds` of
 * now, either way (a future time is as suspect as an old one). The body is the video object.
 */
export async function verifyStreamWebhook(
	header: string | null,
	rawBody: WebhookBody,
	secret: string,
	nowSeconds: number,
	maxAgeSeconds = 300,
): Promise<StreamWebhookResult> {
	if (!header) return { ok: false, reason: 'missing-signature' };
	const fields = new Map<string, string>();
	for (const part of header.split(',')) {
		const eq = part.indexOf('=');
		if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
	}
	const time = fields.get('time');
	const sig = fields.get('sig1');
	if (!time || !/^\d{1,12}$/.test(time) || !sig || !/^[0-9a-f]{64}$/i.test(sig)) return { ok: false, reason: 'malformed-signature' };
	if (Math.abs(nowSeconds - Number(time)) > maxAgeSeconds) return { ok: false, reason: 'stale' };

	// A missing secret is this deployment's misconfiguration, not a bad request: fail loudly.
	if (!secret) throw new TypeError('the Stream webhook secret is empty');
	const encoder = new TextEncoder();
	const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
	const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : new Uint8Array(rawBody);
	const prefix = encoder.encode(`${time}.`);
	const signed = new Uint8Array(prefix.length + body.length);
	signed.set(prefix);
	signed.set(body, prefix.length);
	// subtle.verify compares MACs in constant time, unlike comparing hex strings.
	if (!(await crypto.subtle.verify('HMAC', key, fromHex(sig), signed))) return { ok: false, reason: 'bad-signature' };

	let json: unknown;
	try {
		json = JSON.parse(new TextDecoder().decode(body));
	} catch {
		return { ok: false, reason: 'bad-body' };
	}
	const video = streamVideoSchema.safeParse(json);
	return video.success ? { ok: true, video: video.data } : { ok: false, reason: 'bad-body' };
}

function fromHex(hex: string): Uint8Array {
	return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
