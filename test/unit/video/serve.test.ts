import { create, toString } from '@atcute/cid';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { R2VideoHost } from '../../../worker/video/r2-host.ts';
import { serveVideo, videoCacheKey, type ServeVideoOptions, type VideoCache } from '../../../worker/video/serve-video.ts';

const SIZE = 1000;

/** A fresh video per test: storage and the cache outlive a test within this file. */
async function storeVideo(flags = { restricted: false, aiGenerated: true }) {
	const bytes = crypto.getRandomValues(new Uint8Array(SIZE));
	const cid = toString(await create(0x55, bytes));
	await env.VIDEOS.put(cid, bytes, { customMetadata: { restricted: String(flags.restricted), aiGenerated: String(flags.aiGenerated) } });
	return { cid, bytes };
}

function get(cid: string, headers: Record<string, string> = {}, method = 'GET') {
	return new Request(`http://localhost:8787/video/${cid}`, { method, headers });
}

/** The cache option as the route passes it, with the fills awaited by `settle`. */
function withCache(cache: VideoCache = caches.default) {
	const pending: Promise<unknown>[] = [];
	const options: ServeVideoOptions = { cache, waitUntil: (promise) => void pending.push(promise) };
	return { options, settle: () => Promise.all(pending.splice(0)) };
}

const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe('GET /video/:cid from R2', () => {
	it('serves the whole video with its headers', async () => {
		const { cid, bytes } = await storeVideo();
		const res = await serveVideo(get(cid), env.VIDEOS, cid);
		expect(res.status).toBe(200);
		expect(Object.fromEntries(res.headers)).toMatchObject({
			'content-type': 'video/mp4',
			'content-length': String(SIZE),
			'accept-ranges': 'bytes',
			etag: `"${cid}"`,
			'cache-control': 'public, max-age=31536000, immutable',
			'x-dreamreel-cache': 'bypass',
		});
		expect(await bytesOf(res)).toEqual(bytes);
	});

	it.each([
		['first bytes', 'bytes=0-99', 0, 99],
		['the middle', 'bytes=100-199', 100, 199],
		['open-ended', 'bytes=900-', 900, 999],
		['a suffix', 'bytes=-500', 500, 999],
		['an end past the size, clamped', 'bytes=990-5000', 990, 999],
	])('answers %s with 206', async (_, range, start, end) => {
		const { cid, bytes } = await storeVideo();
		const res = await serveVideo(get(cid, { range }), env.VIDEOS, cid);
		expect(res.status).toBe(206);
		expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
		expect(res.headers.get('content-length')).toBe(String(end - start + 1));
		expect(await bytesOf(res)).toEqual(bytes.slice(start, end + 1));
	});

	it('answers a range past the end with 416 and the size', async () => {
		const { cid } = await storeVideo();
		const res = await serveVideo(get(cid, { range: 'bytes=1000-' }), env.VIDEOS, cid);
		expect(res.status).toBe(416);
		expect(res.headers.get('content-range')).toBe(`bytes */${SIZE}`);
	});

	it.each([['bytes=abc'], ['bytes=9-1'], ['bytes=0-1,5-6'], ['items=0-1']])('ignores the malformed or multiple range %j and serves 200', async (range) => {
		const { cid, bytes } = await storeVideo();
		const res = await serveVideo(get(cid, { range }), env.VIDEOS, cid);
		expect(res.status).toBe(200);
		expect(await bytesOf(res)).toEqual(bytes);
	});

	it('ignores Range when If-Range names another representation', async () => {
		const { cid } = await storeVideo();
		const res = await serveVideo(get(cid, { range: 'bytes=0-9', 'if-range': '"other"' }), env.VIDEOS, cid);
		expect(res.status).toBe(200);
		await res.arrayBuffer();
	});

	it('answers HEAD with the headers and no body', async () => {
		const { cid } = await storeVideo();
		const res = await serveVideo(get(cid, { range: 'bytes=0-99' }, 'HEAD'), env.VIDEOS, cid);
		expect(res.status).toBe(206);
		expect(res.headers.get('content-length')).toBe('100');
		expect(res.body).toBeNull();
	});

	it('answers a matching If-None-Match with 304', async () => {
		const { cid } = await storeVideo();
		for (const tag of [`"${cid}"`, `W/"${cid}"`, `"x", "${cid}"`, '*']) {
			const res = await serveVideo(get(cid, { 'if-none-match': tag, range: 'bytes=0-9' }), env.VIDEOS, cid);
			expect(res.status).toBe(304);
			expect(res.headers.get('etag')).toBe(`"${cid}"`);
		}
		const other = await serveVideo(get(cid, { 'if-none-match': '"x"' }), env.VIDEOS, cid);
		expect(other.status).toBe(200);
		await other.arrayBuffer();
	});

	it('refuses a restricted video with 403 VideoRestricted, and keeps it', async () => {
		const { cid } = await storeVideo({ restricted: true, aiGenerated: false });
		const res = await serveVideo(get(cid), env.VIDEOS, cid);
		expect(res.status).toBe(403);
		expect(await res.json()).toMatchObject({ error: 'VideoRestricted' });
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(await env.VIDEOS.head(cid)).not.toBeNull();
	});

	it('answers an unknown CID with 404 VideoNotFound', async () => {
		const cid = toString(await create(0x55, crypto.getRandomValues(new Uint8Array(8))));
		const res = await serveVideo(get(cid), env.VIDEOS, cid);
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ error: 'VideoNotFound' });
	});

	it('answers a malformed CID with 400 InvalidRequest', async () => {
		const res = await serveVideo(get('not-a-cid'), env.VIDEOS, 'not-a-cid');
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: 'InvalidRequest' });
	});

	it('refuses other methods with 405', async () => {
		const { cid } = await storeVideo();
		const res = await serveVideo(get(cid, {}, 'DELETE'), env.VIDEOS, cid);
		expect(res.status).toBe(405);
		expect(res.headers.get('allow')).toBe('GET, HEAD');
	});
});

describe('GET /video/:cid through the edge cache', () => {
	it('misses, fills the cache, then serves the next request from it', async () => {
		const { cid, bytes } = await storeVideo();
		const { options, settle } = withCache();
		const first = await serveVideo(get(cid), env.VIDEOS, cid, options);
		expect(first.headers.get('x-dreamreel-cache')).toBe('miss');
		expect(await bytesOf(first)).toEqual(bytes);
		await settle();

		const second = await serveVideo(get(cid), env.VIDEOS, cid, options);
		expect(second.status).toBe(200);
		expect(second.headers.get('x-dreamreel-cache')).toBe('hit');
		expect(second.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
		expect(await bytesOf(second)).toEqual(bytes);
	});

	it('fills on a player’s first range request and answers later ranges from the cache', async () => {
		const { cid, bytes } = await storeVideo();
		const { options, settle } = withCache();
		const first = await serveVideo(get(cid, { range: 'bytes=0-' }), env.VIDEOS, cid, options);
		expect([first.status, first.headers.get('x-dreamreel-cache')]).toEqual([206, 'miss']);
		await first.arrayBuffer();
		await settle();

		for (const [range, start, end] of [['bytes=10-19', 10, 19], ['bytes=-100', 900, 999], ['bytes=990-', 990, 999]] as const) {
			const res = await serveVideo(get(cid, { range }), env.VIDEOS, cid, options);
			expect([res.status, res.headers.get('x-dreamreel-cache')]).toEqual([206, 'hit']);
			expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
			expect(await bytesOf(res)).toEqual(bytes.slice(start, end + 1));
		}
	});

	it('keeps RFC semantics on a hit: 416, malformed ranges ignored, 304, HEAD', async () => {
		const { cid, bytes } = await storeVideo();
		const { options, settle } = withCache();
		await (await serveVideo(get(cid), env.VIDEOS, cid, options)).arrayBuffer();
		await settle();

		const past = await serveVideo(get(cid, { range: 'bytes=5000-' }), env.VIDEOS, cid, options);
		expect([past.status, past.headers.get('content-range')]).toEqual([416, `bytes */${SIZE}`]);
		const malformed = await serveVideo(get(cid, { range: 'bytes=abc' }), env.VIDEOS, cid, options);
		expect([malformed.status, malformed.headers.get('x-dreamreel-cache')]).toEqual([200, 'hit']);
		expect(await bytesOf(malformed)).toEqual(bytes);
		const conditional = await serveVideo(get(cid, { 'if-none-match': `"${cid}"` }), env.VIDEOS, cid, options);
		expect([conditional.status, conditional.headers.get('x-dreamreel-cache')]).toEqual([304, 'hit']);
		const head = await serveVideo(get(cid, {}, 'HEAD'), env.VIDEOS, cid, options);
		expect([head.status, head.headers.get('content-length'), head.body]).toEqual([200, String(SIZE), null]);
	});

	it('slices a range itself when the cache hands back the whole video', async () => {
		const { cid, bytes } = await storeVideo();
		// A cache that ignores Range, as the Cache API may outside Cloudflare's edge.
		const wholeOnly: VideoCache = {
			match: (request) => caches.default.match(new Request(request instanceof Request ? request.url : request)),
			put: (request, response) => caches.default.put(request, response),
			delete: (request) => caches.default.delete(request),
		};
		const { options, settle } = withCache(wholeOnly);
		await (await serveVideo(get(cid), env.VIDEOS, cid, options)).arrayBuffer();
		await settle();
		const res = await serveVideo(get(cid, { range: 'bytes=100-199' }), env.VIDEOS, cid, options);
		expect([res.status, res.headers.get('x-dreamreel-cache'), res.headers.get('content-range')]).toEqual([206, 'hit', `bytes 100-199/${SIZE}`]);
		expect(await bytesOf(res)).toEqual(bytes.slice(100, 200));
	});

	it('fills once for a burst of first plays', async () => {
		const { cid } = await storeVideo();
		let puts = 0;
		const counting: VideoCache = {
			match: (request) => caches.default.match(request),
			put: (request, response) => (puts++, caches.default.put(request, response)),
			delete: (request) => caches.default.delete(request),
		};
		const { options, settle } = withCache(counting);
		const burst = await Promise.all([1, 2, 3].map(() => serveVideo(get(cid), env.VIDEOS, cid, options)));
		await Promise.all(burst.map((res) => res.arrayBuffer()));
		await settle();
		expect(burst.map((res) => res.headers.get('x-dreamreel-cache'))).toEqual(['miss', 'miss', 'miss']);
		expect(puts).toBe(1);
	});

	it('never caches a restricted video', async () => {
		const { cid } = await storeVideo({ restricted: true, aiGenerated: false });
		const { options, settle } = withCache();
		expect((await serveVideo(get(cid), env.VIDEOS, cid, options)).status).toBe(403);
		await settle();
		expect(await caches.default.match(videoCacheKey('http://localhost:8787', cid))).toBeUndefined();
	});
});

describe('the edge cache and restriction agree', () => {
	const host = (cache: VideoCache) => new R2VideoHost({ bucket: env.VIDEOS, publicUrl: 'http://localhost:8787', fetch, cache });

	it('a fill that read the video before it was restricted, landing after the purge, is never served', async () => {
		const { cid } = await storeVideo();
		let release!: () => void;
		const gate = new Promise<void>((resolve) => (release = resolve));
		// A slow cache write: the fill has read the public object, its put lands late.
		const slow: VideoCache = {
			match: (request) => caches.default.match(request),
			put: async (request, response) => {
				const body = await response.arrayBuffer();
				await gate;
				await caches.default.put(request, new Response(body, response));
			},
			delete: (request) => caches.default.delete(request),
		};
		const { options, settle } = withCache(slow);
		const first = await serveVideo(get(cid), env.VIDEOS, cid, options);
		expect(first.status).toBe(200);
		await first.arrayBuffer();
		await new Promise((resolve) => setTimeout(resolve, 50)); // the fill is now waiting at the gate
		await host(slow).setRestricted(cid, true);
		release();
		await settle();
		const after = await serveVideo(get(cid), env.VIDEOS, cid, options);
		expect(after.status).toBe(403);
		const ranged = await serveVideo(get(cid, { range: 'bytes=0-9' }), env.VIDEOS, cid, options);
		expect(ranged.status).toBe(403);
	});

	it('a video restricted without any purge of this cache (another data centre) is refused at once', async () => {
		const { cid } = await storeVideo();
		const { options, settle } = withCache();
		await (await serveVideo(get(cid), env.VIDEOS, cid, options)).arrayBuffer();
		await settle();
		expect((await serveVideo(get(cid), env.VIDEOS, cid, options)).headers.get('x-dreamreel-cache')).toBe('hit');
		await host({ match: async () => undefined, put: async () => undefined, delete: async () => false }).setRestricted(cid, true);
		expect((await serveVideo(get(cid), env.VIDEOS, cid, options)).status).toBe(403);
	});

	it('a video made public again is served (and cached) afresh', async () => {
		const { cid, bytes } = await storeVideo();
		const { options, settle } = withCache();
		await (await serveVideo(get(cid), env.VIDEOS, cid, options)).arrayBuffer();
		await settle();
		await host(caches.default).setRestricted(cid, true);
		await host(caches.default).setRestricted(cid, false);
		const again = await serveVideo(get(cid), env.VIDEOS, cid, options);
		expect([again.status, again.headers.get('x-dreamreel-cache')]).toEqual([200, 'miss']);
		expect(await bytesOf(again)).toEqual(bytes);
	});
});
