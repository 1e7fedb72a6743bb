import { create, toString } from '@atcute/cid';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { VideoHostError } from '../../../worker/video/host.ts';
import { R2VideoHost } from '../../../worker/video/r2-host.ts';
import { serveVideo, videoCacheEntryKey } from '../../../worker/video/serve-video.ts';

const PUBLIC_URL = 'http://localhost:8787';
const PDS = 'https://pds.test';

async function blobOf(bytes: Uint8Array) {
	const cid = toString(await create(0x55, bytes));
	return { cid, mimeType: 'video/mp4', size: bytes.length, url: `${PDS}/xrpc/com.atproto.sync.getBlob?cid=${cid}` };
}

/** A PDS that serves `served` for every blob URL, recording what was asked. */
function pds(served: Uint8Array, status = 200) {
	const asked: string[] = [];
	const fetcher: typeof fetch = async (input) => {
		asked.push(String(input instanceof Request ? input.url : input));
		if (status !== 200) return new Response('nope', { status });
		return new Response(served, { headers: { 'content-length': String(served.length) } });
	};
	return { fetch: fetcher, asked };
}

const random = (n = 2000) => crypto.getRandomValues(new Uint8Array(n));
const flags = { aiGenerated: true, restricted: false };

describe('R2VideoHost', () => {
	it('copies a blob from its URL under its CID, ready at once, playable at /video/<cid>', async () => {
		const bytes = random();
		const blob = await blobOf(bytes);
		const source = pds(bytes);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: source.fetch });
		expect(await host.put(blob, flags)).toEqual({ host: 'r2', ref: blob.cid });
		expect(source.asked).toEqual([blob.url]);
		const stored = await env.VIDEOS.get(blob.cid);
		expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(bytes);
		expect(stored!.customMetadata).toEqual({ restricted: 'false', aiGenerated: 'true' });
		expect(await host.status(blob.cid)).toEqual({ state: 'ready' });
		expect(await host.playback(blob.cid, { restricted: false })).toEqual({ mp4: `${PUBLIC_URL}/video/${blob.cid}` });
	});

	it('stores bytes already in hand under their CID', async () => {
		const bytes = random();
		const { cid } = await blobOf(bytes);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(bytes).fetch });
		// A stream of unknown length, as a chunked response would give.
		const chunks = [bytes.subarray(0, 700), bytes.subarray(700)];
		const stream = new ReadableStream<Uint8Array>({ pull: (controller) => void (chunks.length ? controller.enqueue(chunks.shift()!) : controller.close()) });
		await host.store(cid, stream, { size: bytes.length, ...flags });
		await expect(host.store(cid, bytes.subarray(1), { size: bytes.length, ...flags })).rejects.toBeInstanceOf(VideoHostError);
		const res = await serveVideo(new Request(`${PUBLIC_URL}/video/${cid}`), env.VIDEOS, cid);
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
	});

	it('does not fetch a blob it already holds', async () => {
		const bytes = random();
		const blob = await blobOf(bytes);
		const source = pds(bytes);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: source.fetch });
		await host.put(blob, flags);
		await host.put(blob, flags);
		expect(source.asked).toHaveLength(1);
	});

	it('refuses bytes that are not the CID’s, and stores nothing', async () => {
		const blob = await blobOf(random());
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(random()).fetch });
		await expect(host.put(blob, flags)).rejects.toMatchObject({ name: 'VideoHostError', retryable: false });
		expect(await env.VIDEOS.head(blob.cid)).toBeNull();
	});

	it('refuses a blob whose length is not the declared size, before storing', async () => {
		const bytes = random();
		const blob = { ...(await blobOf(bytes)), size: bytes.length - 1 };
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(bytes).fetch });
		await expect(host.put(blob, flags)).rejects.toBeInstanceOf(VideoHostError);
		expect(await env.VIDEOS.head(blob.cid)).toBeNull();
	});

	it('refuses a blob that is not MP4 before fetching it', async () => {
		const blob = { ...(await blobOf(random())), mimeType: 'video/webm' };
		const source = pds(random());
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: source.fetch });
		await expect(host.put(blob, flags)).rejects.toThrow(/video\/webm/);
		expect(source.asked).toEqual([]);
	});

	it('reports a PDS error as retryable when it is a 5xx', async () => {
		const blob = await blobOf(random());
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(random(), 503).fetch });
		await expect(host.put(blob, flags)).rejects.toMatchObject({ retryable: true });
	});

	it('restricts without deleting: the route answers 403, the cache copy is purged, and lifting it serves again', async () => {
		const bytes = random();
		const blob = await blobOf(bytes);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(bytes).fetch, cache: caches.default });
		await host.put(blob, flags);
		// The copy serveVideo would have made of the stored version.
		const key = videoCacheEntryKey(PUBLIC_URL, blob.cid, (await env.VIDEOS.head(blob.cid))!.etag);
		await caches.default.put(key, new Response(bytes, { headers: { 'cache-control': 'max-age=60' } }));

		await host.setRestricted(blob.cid, true);
		expect(await caches.default.match(key)).toBeUndefined();
		const request = () => new Request(`${PUBLIC_URL}/video/${blob.cid}`);
		expect((await serveVideo(request(), env.VIDEOS, blob.cid)).status).toBe(403);
		expect(await host.playback(blob.cid, { restricted: true })).toEqual({});

		await host.setRestricted(blob.cid, false);
		const res = await serveVideo(request(), env.VIDEOS, blob.cid);
		expect(res.status).toBe(200);
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
		expect((await env.VIDEOS.head(blob.cid))?.customMetadata).toEqual({ restricted: 'false', aiGenerated: 'true' });
	});

	it('stores a blob first seen restricted as restricted', async () => {
		const bytes = random();
		const blob = await blobOf(bytes);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(bytes).fetch });
		await host.put(blob, { aiGenerated: false, restricted: true });
		expect((await serveVideo(new Request(`${PUBLIC_URL}/video/${blob.cid}`), env.VIDEOS, blob.cid)).status).toBe(403);
	});

	it('removes a video and its cache copy; removing it again is fine', async () => {
		const bytes = random();
		const blob = await blobOf(bytes);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(bytes).fetch, cache: caches.default });
		await host.put(blob, flags);
		// The copy serveVideo would have made of the stored version.
		const key = videoCacheEntryKey(PUBLIC_URL, blob.cid, (await env.VIDEOS.head(blob.cid))!.etag);
		await caches.default.put(key, new Response(bytes, { headers: { 'cache-control': 'max-age=60' } }));
		await host.remove(blob.cid);
		await host.remove(blob.cid);
		expect(await env.VIDEOS.head(blob.cid)).toBeNull();
		expect(await caches.default.match(key)).toBeUndefined();
		expect(await host.status(blob.cid)).toEqual({ state: 'failed', reason: 'not stored' });
	});
});

describe('R2VideoHost posters', () => {
	async function posterOf(bytes: Uint8Array, mimeType = 'image/jpeg') {
		const cid = toString(await create(0x55, bytes));
		return { cid, mimeType, size: bytes.length, url: `${PDS}/xrpc/com.atproto.sync.getBlob?cid=${cid}` };
	}
	const get = (cid: string, method = 'GET') => exports.default.fetch(`${PUBLIC_URL}/video/${cid}/poster`, { method });

	async function storedVideo(restricted = false) {
		const bytes = random();
		const blob = await blobOf(bytes);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(bytes).fetch });
		await host.put(blob, { aiGenerated: false, restricted });
		return blob.cid;
	}

	it('copies a verified poster beside the video, offered in playback and served while the video is public', async () => {
		const video = await storedVideo();
		const image = random(900);
		const poster = await posterOf(image);
		const source = pds(image);
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: source.fetch });
		await host.putPoster(video, poster);
		await host.putPoster(video, poster);
		expect(source.asked).toEqual([poster.url]);
		expect(await host.playback(video, { restricted: false })).toEqual({ mp4: `${PUBLIC_URL}/video/${video}`, thumbnail: `${PUBLIC_URL}/video/${video}/poster` });
		const served = await get(video);
		expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
		expect(new Uint8Array(await served.arrayBuffer())).toEqual(image);
		expect((await get(video, 'HEAD')).status).toBe(200);

		// Restricting the video restricts its poster; removing the video removes both.
		await host.setRestricted(video, true);
		expect((await get(video)).status).toBe(403);
		expect(await host.playback(video, { restricted: true })).toEqual({});
		await host.remove(video);
		expect(await env.VIDEOS.head(`${video}/poster`)).toBeNull();
	});

	it('refuses bytes that are not the poster CID’s, a type the lexicon does not accept, and an oversized one', async () => {
		const video = await storedVideo();
		const poster = await posterOf(random(900));
		const host = new R2VideoHost({ bucket: env.VIDEOS, publicUrl: PUBLIC_URL, fetch: pds(random(900)).fetch });
		await expect(host.putPoster(video, poster)).rejects.toBeInstanceOf(VideoHostError);
		await expect(host.putPoster(video, { ...poster, mimeType: 'text/html' })).rejects.toThrow(/not a poster type/);
		await expect(host.putPoster(video, { ...poster, size: 1_000_001 })).rejects.toThrow(/bad size/);
		expect(await env.VIDEOS.head(`${video}/poster`)).toBeNull();
		expect((await get(video)).status).toBe(404);
	});

	it('serves no poster for a video that is not stored, or a malformed CID', async () => {
		expect((await get('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')).status).toBe(404);
		expect((await get('not-a-cid')).status).toBe(400);
	});
});
