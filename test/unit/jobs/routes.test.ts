import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { overrideJobRuntime } from '../../../worker/jobs/runtime.ts';
import { signedAccount } from '../service-jwt.ts';
import { demoProviders, isStatus, newDid, submit, until, useRuntime } from './fixtures.ts';

afterEach(() => overrideJobRuntime(undefined));

async function readyVideo() {
	const runtime = useRuntime(demoProviders(0));
	const did = newDid();
	const job = await submit(runtime, did);
	const ready = await until(runtime.job(job.id), did, isStatus('ready'));
	return { url: ready.result!.url, size: ready.result!.size, id: job.id };
}

describe('GET /jobs/:id/video/:secret.mp4', () => {
	it('serves the whole video, and single byte ranges for players', async () => {
		const { url, size } = await readyVideo();
		const whole = await exports.default.fetch(url);
		expect(whole.status).toBe(200);
		expect(Object.fromEntries(whole.headers)).toMatchObject({ 'content-type': 'video/mp4', 'content-length': String(size), 'accept-ranges': 'bytes' });
		const bytes = new Uint8Array(await whole.arrayBuffer());

		const part = await exports.default.fetch(url, { headers: { range: 'bytes=100-199' } });
		expect(part.status).toBe(206);
		expect(part.headers.get('content-range')).toBe(`bytes 100-199/${size}`);
		expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));

		const head = await exports.default.fetch(url, { method: 'HEAD' });
		expect([head.status, head.headers.get('content-length')]).toEqual([200, String(size)]);
		const beyond = await exports.default.fetch(url, { headers: { range: `bytes=${size}-` } });
		expect(beyond.status).toBe(416);
	});

	it('answers 404 to a wrong or malformed secret, as to an unknown job', async () => {
		const { url, id } = await readyVideo();
		const wrong = url.replace(/[0-9a-f]{32}\.mp4$/, `${'0'.repeat(32)}.mp4`);
		for (const guess of [wrong, url.replace(/\.mp4$/, ''), `http://localhost:8787/jobs/${id}/video/x.mp4`]) {
			expect((await exports.default.fetch(guess)).status).toBe(404);
		}
		expect(await env.VIDEOS.list({ prefix: `jobs/${id}/` })).toMatchObject({ objects: [expect.anything()] });
	});
});

describe('GET /jobs/:id/events', () => {
	const events = (query = '', headers: Record<string, string> = { upgrade: 'websocket' }) =>
		exports.default.fetch(`http://localhost:8787/jobs/${'a'.repeat(32)}/events${query}`, { headers });

	it('wants a WebSocket upgrade', async () => {
		expect((await events('', {})).status).toBe(426);
	});

	it('refuses a socket without a service JWT, or with a bad one, with the verifier’s reason', async () => {
		const missing = await events();
		expect(missing.status).toBe(401);
		expect(await missing.json()).toMatchObject({ error: 'AuthMissing' });
		const bad = await events('?token=not.a.jwt');
		expect(bad.status).toBe(401);
	});
});

describe('the XRPC methods', () => {
	it('all want service auth', async () => {
		const post = (nsid: string, body: unknown) =>
			exports.default.fetch(`http://localhost:8787/xrpc/${nsid}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		const answers = await Promise.all([
			post('video.dreamreel.generate', { prompt: 'a fox', idempotencyKey: 'key-12345' }),
			post('video.dreamreel.cancelJob', { id: 'a'.repeat(32) }),
			post('video.dreamreel.dismissJob', { id: 'a'.repeat(32) }),
			exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getJob?id=${'a'.repeat(32)}`),
			exports.default.fetch('http://localhost:8787/xrpc/video.dreamreel.listJobs'),
		]);
		for (const answer of answers) {
			expect(answer.status).toBe(401);
			expect(await answer.json()).toMatchObject({ error: 'AuthMissing' });
		}
	});

	it('validate a signed-in caller’s input against the lexicon (auth comes first: see security/service-auth)', async () => {
		const me = await signedAccount(newDid());
		const response = await exports.default.fetch('http://localhost:8787/xrpc/video.dreamreel.generate', {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...(await me.headers('video.dreamreel.generate')) },
			body: JSON.stringify({ prompt: 'a fox', idempotencyKey: 'short' }),
		});
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: 'InvalidRequest' });
	});
});
