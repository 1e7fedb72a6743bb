import { describe, expect, it } from 'vitest';
import { fetchFalJwks, providersFromConfig, verifyFalWebhook } from '../../../worker/providers/index.ts';
import { FAL_FAKE_JWKS_URL, FalFake, newEd25519Keys } from '../../fixtures/fakes/fal.ts';

const body = JSON.stringify({
	request_id: 'req-9',
	gateway_request_id: 'req-9',
	status: 'OK',
	payload: { video: { url: 'https://v3.fal.media.test/files/x.mp4' } },
});
const now = Date.parse('2026-11-25T12:00:00Z');
const seconds = now / 1000;

async function signed(options: { timestamp?: number; keys?: CryptoKeyPair } = {}) {
	const fake = new FalFake();
	const headers = await fake.signWebhook(body, { requestId: 'req-9', timestamp: seconds, ...options });
	return { fake, headers, jwks: await fake.jwks() };
}

describe('fal webhook verification', () => {
	it('accepts a genuine webhook and names its request, the delivery and the fal account', async () => {
		const { headers, jwks } = await signed();
		expect(await verifyFalWebhook(headers, body, jwks, now)).toEqual({ ok: true, jobId: 'req-9', deliveryId: `req-9:${seconds}`, account: 'user-1' });
	});

	it('accepts the raw body as bytes', async () => {
		const { headers, jwks } = await signed();
		expect(await verifyFalWebhook(headers, await new Response(body).arrayBuffer(), jwks, now)).toMatchObject({ ok: true });
	});

	it('rejects a modified body', async () => {
		const { headers, jwks } = await signed();
		const tampered = body.replace('"OK"', '"ERROR"');
		expect(await verifyFalWebhook(headers, tampered, jwks, now)).toMatchObject({ ok: false });
	});

	it('rejects a signed header changed in transit', async () => {
		const { headers, jwks } = await signed();
		headers.set('x-fal-webhook-request-id', 'req-10');
		expect(await verifyFalWebhook(headers, body, jwks, now)).toMatchObject({ ok: false });
	});

	it('rejects a signature by a key that is not fal’s', async () => {
		const { headers, jwks } = await signed({ keys: await newEd25519Keys() });
		expect(await verifyFalWebhook(headers, body, jwks, now)).toEqual({ ok: false, reason: 'no fal key verifies the signature' });
	});

	it('rejects a signature that is not hex of 64 bytes', async () => {
		const { headers, jwks } = await signed();
		headers.set('x-fal-webhook-signature', 'zz'.repeat(64));
		expect(await verifyFalWebhook(headers, body, jwks, now)).toMatchObject({ ok: false });
	});

	it('rejects a timestamp more than 300 s away, either side', async () => {
		for (const skew of [-301, 301]) {
			const { headers, jwks } = await signed({ timestamp: seconds + skew });
			expect(await verifyFalWebhook(headers, body, jwks, now)).toEqual({ ok: false, reason: 'timestamp too far from now' });
		}
		const { headers, jwks } = await signed({ timestamp: seconds - 299 });
		expect(await verifyFalWebhook(headers, body, jwks, now)).toMatchObject({ ok: true });
	});

	it('rejects a request without the signature headers', async () => {
		const { jwks } = await signed();
		expect(await verifyFalWebhook(new Headers(), body, jwks, now)).toEqual({ ok: false, reason: 'missing signature headers' });
	});

	it('skips keys of other kinds in the JWKS', async () => {
		const { headers, jwks } = await signed();
		const mixed = { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }, { kty: 'OKP', crv: 'Ed25519', x: '!!' }, ...jwks.keys] };
		expect(await verifyFalWebhook(headers, body, mixed, now)).toMatchObject({ ok: true });
	});

	it('fetches and validates the JWKS', async () => {
		const fake = new FalFake();
		const jwks = await fetchFalJwks(fake.fetch, FAL_FAKE_JWKS_URL);
		expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
		expect(fake.requests[0]?.authorization).toBeNull();
	});

	it('keeps fal’s keys for 24 hours, fetched by a webhook itself, never by another webhook’s fetch, and not after a failure', async () => {
		const { fake, headers } = await signed();
		let clock = now;
		let failing = false;
		const fetches: string[] = [];
		const fetch: typeof globalThis.fetch = async (input, init) => {
			fetches.push(String(input));
			if (failing) return new Response('unavailable', { status: 503 });
			return fake.fetch(input, init);
		};
		const fal = providersFromConfig({ FAL_KEY: 'key', FAL_JWKS_URL: FAL_FAKE_JWKS_URL }, { fetch, now: () => clock }).webhooks.fal!;
		const bytes = await new Response(body).arrayBuffer();
		const verify = () => fal(headers, bytes, now);
		expect(await verify()).toMatchObject({ ok: true });
		expect(await verify()).toMatchObject({ ok: true });
		expect(fetches).toHaveLength(1);
		// Past 24 hours the keys are fetched again; a fetch that fails is not kept.
		clock += 24 * 3_600_000;
		failing = true;
		await expect(verify()).rejects.toThrow();
		failing = false;
		expect(await verify()).toMatchObject({ ok: true });
		expect(fetches).toHaveLength(3);
		// A webhook whose keys fetch never answers (its request was cancelled) holds no other one up.
		clock += 24 * 3_600_000;
		let stall = true;
		const stalled: typeof globalThis.fetch = async (input, init) => (stall ? ((stall = false), new Promise<never>(() => {})) : fake.fetch(input, init));
		const held = providersFromConfig({ FAL_KEY: 'key', FAL_JWKS_URL: FAL_FAKE_JWKS_URL }, { fetch: stalled, now: () => clock }).webhooks.fal!;
		void held(headers, bytes, now);
		expect(await held(headers, bytes, now)).toMatchObject({ ok: true });
	});
});
