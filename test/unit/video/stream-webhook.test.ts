import { describe, expect, it } from 'vitest';
import { StreamClient } from '../../../worker/video/stream/client.ts';
import { verifyStreamWebhook } from '../../../worker/video/stream/webhook.ts';
import { STREAM_FAKE_ACCOUNT, STREAM_FAKE_API, StreamFake } from '../../fixtures/fakes/stream.ts';

const NOW = 1_800_000_000;

/** A finished video as Stream posts it. */
async function delivery() {
	const mp4 = new Uint8Array([0, 0, 0, 16, ...new TextEncoder().encode('ftypisom'), 0, 0, 0, 0]);
	const fake = new StreamFake(async () => new Response(mp4));
	fake.plan = { downloadingPolls: 0, queuedPolls: 0, inprogressPolls: 0 };
	const client = new StreamClient({ accountId: STREAM_FAKE_ACCOUNT, apiToken: fake.apiToken, apiBase: STREAM_FAKE_API, fetch: fake.fetch });
	const { uid } = await client.copyFromUrl({ url: 'https://pds.test/blob' });
	return { fake, uid, body: JSON.stringify(fake.view(uid)) };
}

describe('verifyStreamWebhook', () => {
	it('accepts a genuine delivery and returns the video', async () => {
		const { fake, uid, body } = await delivery();
		const header = await fake.signWebhook(body, NOW - 10);
		const result = await verifyStreamWebhook(header, body, fake.webhookSecret, NOW);
		expect(result).toMatchObject({ ok: true, video: { uid, readyToStream: true, status: { state: 'ready' } } });
	});

	it('accepts the raw body as bytes', async () => {
		const { fake, body } = await delivery();
		const header = await fake.signWebhook(body, NOW);
		expect((await verifyStreamWebhook(header, new TextEncoder().encode(body), fake.webhookSecret, NOW)).ok).toBe(true);
	});

	it('refuses a tampered body', async () => {
		const { fake, body } = await delivery();
		const header = await fake.signWebhook(body, NOW);
		const tampered = body.replace('"readyToStream":true', '"readyToStream":false');
		expect(await verifyStreamWebhook(header, tampered, fake.webhookSecret, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
	});

	it('refuses a signature made with another secret', async () => {
		const { fake, body } = await delivery();
		const header = await fake.signWebhook(body, NOW);
		expect(await verifyStreamWebhook(header, body, 'another-secret', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
	});

	it('refuses a stale delivery and one from the future', async () => {
		const { fake, body } = await delivery();
		expect(await verifyStreamWebhook(await fake.signWebhook(body, NOW - 301), body, fake.webhookSecret, NOW)).toEqual({ ok: false, reason: 'stale' });
		expect(await verifyStreamWebhook(await fake.signWebhook(body, NOW + 301), body, fake.webhookSecret, NOW)).toEqual({ ok: false, reason: 'stale' });
		expect((await verifyStreamWebhook(await fake.signWebhook(body, NOW - 301), body, fake.webhookSecret, NOW, 600)).ok).toBe(true);
	});

	it.each([[null, 'missing-signature'], ['', 'missing-signature'], ['time=abc,sig1=00', 'malformed-signature'], [`time=${NOW}`, 'malformed-signature'], [`sig1=${'a'.repeat(64)}`, 'malformed-signature']])(
		'refuses the header %j',
		async (header, reason) => {
			expect(await verifyStreamWebhook(header, '{}', 'secret', NOW)).toEqual({ ok: false, reason });
		},
	);

	it('refuses a signed body that is not a video object', async () => {
		const { fake } = await delivery();
		const body = JSON.stringify({ hello: 'world' });
		expect(await verifyStreamWebhook(await fake.signWebhook(body, NOW), body, fake.webhookSecret, NOW)).toEqual({ ok: false, reason: 'bad-body' });
	});
});
