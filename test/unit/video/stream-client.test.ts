import { describe, expect, it } from 'vitest';
import { StreamClient } from '../../../worker/video/stream/client.ts';
import { StreamApiError } from '../../../worker/video/stream/errors.ts';
import { STREAM_FAKE_ACCOUNT, STREAM_FAKE_API, StreamFake, decodeFakeToken } from '../../fixtures/fakes/stream.ts';

/** Enough of an MP4 for the fake: a box of type `ftyp` first. */
const MP4 = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypisom'), ...new Uint8Array(64)]);
const ORIGIN = 'https://pds.test/xrpc/com.atproto.sync.getBlob?did=did:plc:x&cid=bafk';

function setup(serve: (request: Request) => Response = () => new Response(MP4)) {
	const downloads: string[] = [];
	const fake = new StreamFake(async (input, init) => {
		const request = new Request(input, init);
		downloads.push(request.url);
		return serve(request);
	});
	const sleeps: number[] = [];
	const client = new StreamClient({
		accountId: STREAM_FAKE_ACCOUNT,
		apiToken: fake.apiToken,
		apiBase: STREAM_FAKE_API,
		fetch: fake.fetch,
		sleep: async (ms) => void sleeps.push(ms),
		random: () => 1,
	});
	return { fake, client, sleeps, downloads };
}

describe('StreamClient against the fake Stream API', () => {
	it('copies from a URL, then polls through the states to ready with a manifest', async () => {
		const { fake, client, downloads } = setup();
		const video = await client.copyFromUrl({ url: ORIGIN, meta: { name: 'bafk' }, requireSignedURLs: false });
		expect(downloads).toEqual([ORIGIN]);
		expect(fake.requests[0]).toMatchObject({ method: 'POST', authorization: `Bearer ${fake.apiToken}`, body: { url: ORIGIN, meta: { name: 'bafk' } } });
		expect(video.status.state).toBe('downloading');

		const states: string[] = [];
		let current = video;
		while (!current.readyToStream) {
			current = await client.get(video.uid);
			states.push(current.status.state);
		}
		expect(states).toEqual(['queued', 'inprogress', 'ready']);
		expect(current.status.pctComplete).toBe('100');
		expect(current.playback?.hls).toMatch(new RegExp(`/${video.uid}/manifest/video\\.m3u8$`));
	});

	it('sees an unreachable origin as a video in error', async () => {
		const { client } = setup(() => new Response('gone', { status: 404 }));
		const video = await client.copyFromUrl({ url: ORIGIN });
		expect(video.status).toMatchObject({ state: 'error', errorReasonCode: 'ERR_FETCH_ORIGIN_ERROR' });
	});

	it('waits out a 429 for its retry-after, then succeeds', async () => {
		const { fake, client, sleeps } = setup();
		const { uid } = await client.copyFromUrl({ url: ORIGIN });
		fake.rateLimitNext('7');
		expect((await client.get(uid)).uid).toBe(uid);
		expect(sleeps).toEqual([7000]);
	});

	it('gives up at once on a retry-after too long to wait here', async () => {
		const { fake, client, sleeps } = setup();
		const { uid } = await client.copyFromUrl({ url: ORIGIN });
		fake.rateLimitNext('300');
		const error = await client.get(uid).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(StreamApiError);
		expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 300_000, retryable: true, codes: [971] });
		expect(sleeps).toEqual([]);
	});

	it('retries 5xx with growing backoff, then succeeds', async () => {
		const { fake, client, sleeps } = setup();
		const { uid } = await client.copyFromUrl({ url: ORIGIN });
		fake.failNext(502);
		fake.failNext(503);
		expect((await client.get(uid)).uid).toBe(uid);
		expect(sleeps).toEqual([500, 1000]);
	});

	it('stops after the last retry with the Cloudflare error codes', async () => {
		const { fake, client, sleeps } = setup();
		for (let i = 0; i < 4; i++) fake.failNext(500, 10002, 'internal');
		const error = await client.get('0'.repeat(32)).catch((e: unknown) => e);
		expect(error).toMatchObject({ kind: 'api', status: 500, codes: [10002], retryable: true });
		expect(sleeps).toHaveLength(3);
	});

	it('does not retry a 4xx', async () => {
		const { client, sleeps } = setup();
		const error = await client.get('f'.repeat(32)).catch((e: unknown) => e);
		expect(error).toMatchObject({ kind: 'api', status: 404, retryable: false });
		expect(sleeps).toEqual([]);
	});

	it('reports a bad token with Cloudflare’s authentication code', async () => {
		const { fake } = setup();
		const client = new StreamClient({ accountId: STREAM_FAKE_ACCOUNT, apiToken: 'wrong', apiBase: STREAM_FAKE_API, fetch: fake.fetch });
		await expect(client.copyFromUrl({ url: ORIGIN })).rejects.toMatchObject({ status: 403, codes: [10000] });
	});

	it('refuses a 200 that breaks the contract as malformed', async () => {
		const { fake, client } = setup();
		fake.malformNext();
		await expect(client.get('a'.repeat(32))).rejects.toMatchObject({ kind: 'malformed', retryable: false });
		fake.malformNext('<html>not json</html>');
		await expect(client.get('a'.repeat(32))).rejects.toMatchObject({ kind: 'malformed' });
	});

	it('refuses a uid that could escape the path, before any request', async () => {
		const { fake, client } = setup();
		await expect(client.get('../../tokens')).rejects.toMatchObject({ kind: 'invalid' });
		expect(fake.requests).toEqual([]);
	});

	it('requires signed URLs, and mints a token for the video', async () => {
		const { fake, client } = setup();
		const { uid } = await client.copyFromUrl({ url: ORIGIN, requireSignedURLs: true });
		expect(fake.view(uid).requireSignedURLs).toBe(true);
		const token = await client.createToken(uid, { exp: 1_900_000_000 });
		expect(decodeFakeToken(token)).toEqual({ sub: uid, exp: 1_900_000_000 });
		expect((await client.update(uid, { requireSignedURLs: false })).requireSignedURLs).toBe(false);
	});

	it('creates a watermark from a URL or bytes and applies it on copy', async () => {
		const { fake, client } = setup();
		const fromUrl = await client.createWatermark({ url: 'https://dreamreel.test/ai.png', name: 'AI', opacity: 0.8, position: 'lowerRight', scale: 0.1 });
		expect(fromUrl).toMatchObject({ name: 'AI', opacity: 0.8, position: 'lowerRight', scale: 0.1, downloadedFrom: 'https://dreamreel.test/ai.png' });
		const fromBytes = await client.createWatermark({ bytes: new Uint8Array([137, 80, 78, 71]), name: 'AI bytes' });
		expect(fromBytes).toMatchObject({ name: 'AI bytes', size: 4, position: 'upperRight' });
		const { uid } = await client.copyFromUrl({ url: ORIGIN, watermarkUid: fromUrl.uid });
		expect(fake.view(uid).watermark).toMatchObject({ uid: fromUrl.uid });
	});

	it('makes a direct upload URL whose video waits for the upload', async () => {
		const { fake, client } = setup();
		const upload = await client.directUpload({ maxDurationSeconds: 60, meta: { name: 'x' } });
		expect(upload.uploadURL).toMatch(/^https:\/\/upload\.videodelivery\.test\//);
		expect((await client.get(upload.uid)).status.state).toBe('pendingupload');
		const form = new FormData();
		form.set('file', new Blob([MP4]), 'clip.mp4');
		expect((await fake.fetch(upload.uploadURL, { method: 'POST', body: form })).status).toBe(200);
		expect((await client.get(upload.uid)).status.state).not.toBe('pendingupload');
	});

	it('deletes a video, whose body says nothing', async () => {
		const { fake, client } = setup();
		const { uid } = await client.copyFromUrl({ url: ORIGIN });
		await client.delete(uid);
		expect(fake.videos.has(uid)).toBe(false);
		await expect(client.get(uid)).rejects.toMatchObject({ status: 404 });
	});
});
