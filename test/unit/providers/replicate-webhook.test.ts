import { describe, expect, it } from 'vitest';
import { verifyReplicateWebhook } from '../../../worker/providers/index.ts';
import { ReplicateFake } from '../../fixtures/fakes/replicate.ts';

const body = JSON.stringify({ id: 'pred7', status: 'succeeded', output: 'https://replicate.delivery.test/x/output.mp4' });
const now = Date.parse('2026-11-25T12:00:00Z');
const seconds = now / 1000;
const fake = new ReplicateFake();

describe('Replicate webhook verification', () => {
	it('accepts a genuine webhook and names the prediction and the delivery', async () => {
		const headers = await fake.signWebhook(body, { timestamp: seconds });
		expect(await verifyReplicateWebhook(headers, body, fake.webhookSecret, now)).toEqual({ ok: true, jobId: 'pred7', deliveryId: headers.get('webhook-id') });
	});

	it('accepts when any one of several signatures matches (key rotation)', async () => {
		const headers = await fake.signWebhook(body, { timestamp: seconds });
		headers.set('webhook-signature', `v1,${btoa('not the mac')} ${headers.get('webhook-signature')}`);
		expect(await verifyReplicateWebhook(headers, new TextEncoder().encode(body), fake.webhookSecret, now)).toMatchObject({ ok: true });
	});

	it('rejects a modified body', async () => {
		const headers = await fake.signWebhook(body, { timestamp: seconds });
		const tampered = body.replace('succeeded', 'failed');
		expect(await verifyReplicateWebhook(headers, tampered, fake.webhookSecret, now)).toEqual({ ok: false, reason: 'no signature matches' });
	});

	it('rejects a signature made with another secret', async () => {
		const headers = await fake.signWebhook(body, { timestamp: seconds, secret: `whsec_${btoa('another secret of some length')}` });
		expect(await verifyReplicateWebhook(headers, body, fake.webhookSecret, now)).toMatchObject({ ok: false });
	});

	it('rejects a changed webhook-id, which is signed too', async () => {
		const headers = await fake.signWebhook(body, { timestamp: seconds });
		headers.set('webhook-id', 'msg_2');
		expect(await verifyReplicateWebhook(headers, body, fake.webhookSecret, now)).toMatchObject({ ok: false });
	});

	it('rejects signatures of an unknown version', async () => {
		const headers = await fake.signWebhook(body, { timestamp: seconds });
		headers.set('webhook-signature', headers.get('webhook-signature')?.replace('v1,', 'v2,') ?? '');
		expect(await verifyReplicateWebhook(headers, body, fake.webhookSecret, now)).toMatchObject({ ok: false });
	});

	it('rejects a stale or future timestamp', async () => {
		for (const skew of [-301, 301]) {
			const headers = await fake.signWebhook(body, { timestamp: seconds + skew });
			expect(await verifyReplicateWebhook(headers, body, fake.webhookSecret, now)).toEqual({ ok: false, reason: 'timestamp too far from now' });
		}
	});

	it('rejects a request without the signature headers', async () => {
		expect(await verifyReplicateWebhook(new Headers(), body, fake.webhookSecret, now)).toEqual({ ok: false, reason: 'missing signature headers' });
	});

	it('rejects a signed body that is not a prediction', async () => {
		const headers = await fake.signWebhook('{}', { timestamp: seconds });
		expect(await verifyReplicateWebhook(headers, '{}', fake.webhookSecret, now)).toMatchObject({ ok: false });
	});

	it('throws on a secret that is not whsec_<base64>: a misconfiguration, not a bad request', async () => {
		const headers = await fake.signWebhook(body, { timestamp: seconds });
		await expect(verifyReplicateWebhook(headers, body, 'whsec_***', now)).rejects.toThrow(TypeError);
	});
});
