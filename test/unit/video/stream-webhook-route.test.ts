import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../../worker/errors.ts';
import { streamWebhook } from '../../../worker/video/stream/webhook-route.ts';
import { StreamClient } from '../../../worker/video/stream/client.ts';
import { STREAM_FAKE_ACCOUNT, STREAM_FAKE_API, StreamFake } from '../../fixtures/fakes/stream.ts';

const fake = new StreamFake(async () => new Response(new Uint8Array([0, 0, 0, 8, 102, 114, 101, 101])));
fake.plan = { downloadingPolls: 0, queuedPolls: 0, inprogressPolls: 0 };
const client = new StreamClient({ accountId: STREAM_FAKE_ACCOUNT, apiToken: fake.apiToken, apiBase: STREAM_FAKE_API, fetch: fake.fetch });
const now = () => Math.floor(Date.now() / 1000);

/** A finished video's JSON exactly as Stream posts it, and its uid. */
async function delivery(): Promise<{ uid: string; payload: string }> {
	const { uid } = await client.copyFromUrl({ url: 'https://pds.test/blob' });
	return { uid, payload: JSON.stringify(fake.view(uid)) };
}

async function post(payload: string, signature: string | null, target = (request: Request) => exports.default.fetch(request)) {
	const headers = new Headers({ 'content-type': 'application/json' });
	if (signature !== null) headers.set('webhook-signature', signature);
	return target(new Request('http://localhost:8787/webhooks/stream', { method: 'POST', headers, body: payload }));
}

describe('POST /webhooks/stream', () => {
	it('accepts a delivery signed with the configured secret', async () => {
		const { payload } = await delivery();
		const response = await post(payload, await fake.signWebhook(payload, now()));
		expect(response.status).toBe(204);
	});

	it.each([
		['no signature', async () => null, 'missing-signature'],
		['a signature over another body', async (payload: string) => fake.signWebhook(`${payload} `, now()), 'bad-signature'],
		['a stale time', async (payload: string) => fake.signWebhook(payload, now() - 3600), 'stale'],
	])('refuses %s with 401 InvalidSignature', async (_name, sign, reason) => {
		const { payload } = await delivery();
		const response = await post(payload, await sign(payload));
		expect(response.status).toBe(401);
		expect(await response.json()).toEqual({ error: 'InvalidSignature', message: reason });
	});

	it('nudges the mirror for the video Stream names, and only after the signature checks out', async () => {
		const { uid, payload } = await delivery();
		const cid = 'bafkreiwebhookroutewebhookroutewebhookroutewebhookroute';
		await env.DB.prepare(`INSERT OR REPLACE INTO videos (cid, host, ref, state, updated_at) VALUES (?1, 'stream', ?2, 'pending', ?3)`)
			.bind(cid, uid, new Date().toISOString())
			.run();
		const enqueued: string[][] = [];
		const ctx = { db: env.DB, mirror: () => ({ enqueue: async (cids: string[]) => void enqueued.push(cids) }) as never };
		const direct = (request: Request) => streamWebhook(request, env, ctx).catch((error: unknown) => errorResponse(error, request));

		expect((await post(payload, await fake.signWebhook(payload, now() - 3600), direct)).status).toBe(401);
		expect(enqueued).toEqual([]);
		expect((await post(payload, await fake.signWebhook(payload, now()), direct)).status).toBe(204);
		expect(enqueued).toEqual([[cid]]);
	});

	it('acts on each delivery once: a replay within the window does not nudge again', async () => {
		const { uid, payload } = await delivery();
		const cid = 'bafkreiwebhookreplaywebhookreplaywebhookreplaywebhookrepl';
		await env.DB.prepare(`INSERT OR REPLACE INTO videos (cid, host, ref, state, updated_at) VALUES (?1, 'stream', ?2, 'pending', ?3)`)
			.bind(cid, uid, new Date().toISOString())
			.run();
		const enqueued: string[][] = [];
		const ctx = { db: env.DB, mirror: () => ({ enqueue: async (cids: string[]) => void enqueued.push(cids) }) as never };
		const direct = (request: Request) => streamWebhook(request, env, ctx).catch((error: unknown) => errorResponse(error, request));
		const signature = await fake.signWebhook(payload, now());
		expect((await post(payload, signature, direct)).status).toBe(204);
		expect((await post(payload, signature, direct)).status).toBe(204);
		expect(enqueued).toEqual([[cid]]);
	});

	it('answers 501 where Stream webhooks are not configured', async () => {
		const { payload } = await delivery();
		const unconfigured = { ...env, STREAM_WEBHOOK_SECRET: undefined };
		const response = await post(payload, await fake.signWebhook(payload, now()), (request) =>
			streamWebhook(request, unconfigured, { db: env.DB, mirror: () => ({}) as never }).catch((error: unknown) => errorResponse(error, request)),
		);
		expect(response.status).toBe(501);
		expect(await response.json()).toMatchObject({ error: 'MethodNotImplemented' });
	});
});
