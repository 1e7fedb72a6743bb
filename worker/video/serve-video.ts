import { isCid } from '@atcute/lexicons/syntax';
import { formatRange, parseContentRange, parseRange, resolveRange, sliceStream, type ByteRange, type ResolvedRange } from './range.ts';
import { isRestricted } from './r2-metadata.ts';

/** The bytes under a CID never change, so browsers may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The edge copy lives shorter: it only saves reading the bytes again, never the check. */
const DEFAULT_EDGE_TTL_SECONDS = 3600;
/** The Cache API's per-object limit; larger videos are always read from R2. */
const CACHE_MAX_BYTES = 512 * 1024 * 1024;

export type VideoCache = Pick<Cache, 'match' | 'put' | 'delete'>;

/** Filling the cache outlives the response, so it needs the request's `waitUntil`. */
export type ServeVideoOptions =
	| { cache?: undefined }
	| { cache: VideoCache; waitUntil: (promise: Promise<unknown>) => void; edgeTtlSeconds?: number };

/** The cache key of a video: the canonical URL with nothing from the request (query, headers). */
export function videoCacheKey(origin: string, cid: string): string {
	return new URL(`/video/${cid}`, origin).href;
}

/**
 * One version of a stored video in the cache: restricting or releasing a video rewrites its R2
 * object, which changes its etag, so a copy of the old version is never looked up again.
 */
export function videoCacheEntryKey(origin: string, cid: string, etag: string): string {
	return `${videoCacheKey(origin, cid)}?v=${encodeURIComponent(etag)}`;
}

/**
 * `GET/HEAD /video/:cid`: the MP4 stored under its blob CID in R2, with single byte ranges,
 * `ETag` = the CID, and the Workers Cache in front (`X-Dreamreel-Cache: hit|miss|bypass`).
 * Every request asks R2 whether the video may be shown before the cache is consulted, so the cache
 * and a restriction agree whatever the order of a fill and a purge, in every data centre.
 */
export async function serveVideo(request: Request, bucket: R2Bucket, cid: string, options: ServeVideoOptions = {}): Promise<Response> {
	if (request.method !== 'GET' && request.method !== 'HEAD') {
		return error(405, 'InvalidRequest', 'use GET or HEAD', { allow: 'GET, HEAD' });
	}
	if (!isCid(cid)) return error(400, 'InvalidRequest', 'not a CID');
	const ask = { request, cid, range: honouredRange(request, cid) };
	if (!options.cache) return (await fromBucket(ask, bucket, 'bypass')).response;
	const head = await bucket.head(cid);
	if (!head) return notFound();
	if (isRestricted(head)) return restricted();
	const key = videoCacheEntryKey(request.url, cid, head.etag);
	const hit = await fromCache(ask, options.cache, key);
	if (hit) return hit;
	const { response, size } = await fromBucket(ask, bucket, 'miss', head);
	if (request.method === 'GET' && (response.status === 200 || response.status === 206) && size <= CACHE_MAX_BYTES && startFill(key)) {
		// A second read for the cache: teeing the response would buffer the video for a slow player.
		const ttl = options.edgeTtlSeconds ?? DEFAULT_EDGE_TTL_SECONDS;
		options.waitUntil(fill(options.cache, key, bucket, cid, head.etag, ttl).finally(() => fills.delete(key)));
	}
	return response;
}

/** Fills under way in this isolate: a burst of first plays of one video fills the cache once. */
const fills = new Map<string, number>();
/** A fill cut short (its request's waitUntil ended) must not block the key for good. */
const FILL_STALE_MS = 60_000;

function startFill(key: string): boolean {
	const started = fills.get(key);
	if (started !== undefined && Date.now() - started < FILL_STALE_MS) return false;
	fills.set(key, Date.now());
	return true;
}

interface Ask {
	request: Request;
	cid: string;
	range: ByteRange | undefined;
}

async function fromCache(ask: Ask, cache: VideoCache, key: string): Promise<Response | undefined> {
	// Only a well-formed single range goes to the cache: workerd answers a malformed one with 416.
	const cached = await cache.match(new Request(key, { headers: ask.range ? { range: formatRange(ask.range) } : {} }));
	if (!cached) return undefined;
	if (cached.status === 206) {
		const part = parseContentRange(cached.headers.get('content-range'));
		if (part) return respond(ask, cached.body, part.size, { kind: 'partial', ...part }, 'hit');
	} else if (cached.status === 200) {
		const size = Number(cached.headers.get('content-length'));
		if (Number.isSafeInteger(size)) {
			// A cache that ignores Range hands back the whole video: cut the range out here.
			const resolved = resolveRange(ask.range, size);
			const body = resolved.kind === 'partial' && cached.body ? sliceStream(cached.body, resolved.start, resolved.end - resolved.start + 1) : cached.body;
			return respond(ask, body, size, resolved, 'hit');
		}
	}
	// Anything else (a 416 from the cache, a missing length): R2 decides.
	await cached.body?.cancel();
	return undefined;
}

async function fromBucket(ask: Ask, bucket: R2Bucket, cacheState: 'miss' | 'bypass', known?: R2Object): Promise<{ response: Response; size: number }> {
	const head = known ?? (await bucket.head(ask.cid));
	if (!head) return { response: notFound(), size: 0 };
	if (isRestricted(head)) return { response: restricted(), size: 0 };
	const resolved = resolveRange(ask.range, head.size);
	let body: ReadableStream | null = null;
	if (ask.request.method === 'GET' && resolved.kind !== 'unsatisfiable' && !notModified(ask.request, ask.cid)) {
		const range = resolved.kind === 'partial' ? { offset: resolved.start, length: resolved.end - resolved.start + 1 } : undefined;
		// The version the head allowed, not one restricted since.
		const object = await bucket.get(ask.cid, { ...(range ? { range } : {}), onlyIf: { etagMatches: head.etag } });
		if (!object) return { response: notFound(), size: 0 }; // deleted since the head
		if (!('body' in object)) return { response: restricted(), size: 0 }; // rewritten since: ask again
		body = object.body;
	}
	return { response: respond(ask, body, head.size, resolved, cacheState), size: head.size };
}

/** One place builds every success, 304 and 416 answer, whichever store the bytes came from. */
function respond(ask: Ask, body: ReadableStream | null, size: number, resolved: ResolvedRange, cacheState: string): Response {
	const headers = new Headers({
		'content-type': 'video/mp4',
		'accept-ranges': 'bytes',
		etag: `"${ask.cid}"`,
		'cache-control': IMMUTABLE,
		'x-content-type-options': 'nosniff',
		// Public, immutable bytes: any origin's player may read them, ranges included.
		'access-control-allow-origin': '*',
		'access-control-expose-headers': 'content-range, content-length, accept-ranges, etag, x-dreamreel-cache',
		'x-dreamreel-cache': cacheState,
	});
	const drop = async () => body?.cancel();
	// If-None-Match wins over Range (RFC 9110 §13.2.2).
	if (notModified(ask.request, ask.cid)) {
		void drop();
		return new Response(null, { status: 304, headers });
	}
	if (resolved.kind === 'unsatisfiable') {
		void drop();
		headers.set('content-range', `bytes */${size}`);
		return new Response(null, { status: 416, headers });
	}
	const partial = resolved.kind === 'partial';
	if (partial) headers.set('content-range', `bytes ${resolved.start}-${resolved.end}/${size}`);
	headers.set('content-length', String(partial ? resolved.end - resolved.start + 1 : size));
	if (ask.request.method === 'HEAD') void drop();
	return new Response(ask.request.method === 'HEAD' ? null : body, { status: partial ? 206 : 200, headers });
}

async function fill(cache: VideoCache, key: string, bucket: R2Bucket, cid: string, etag: string, ttlSeconds: number): Promise<void> {
	try {
		// Only the version the key names: a later one lands under its own key, if it is public.
		const object = await bucket.get(cid, { onlyIf: { etagMatches: etag } });
		if (!object || !('body' in object)) return;
		if (isRestricted(object)) return void (await object.body.cancel());
		const headers = {
			'content-type': 'video/mp4',
			'content-length': String(object.size),
			etag: `"${cid}"`,
			'cache-control': `public, max-age=${ttlSeconds}`,
		};
		await cache.put(key, new Response(object.body, { headers }));
	} catch (cause) {
		// The response already went out from R2; a failed fill only costs the next request a miss.
		console.warn('video cache fill failed', cid, cause);
	}
}

/** A Range is honoured unless `If-Range` names another representation (RFC 9110 §13.1.5). */
function honouredRange(request: Request, cid: string): ByteRange | undefined {
	const ifRange = request.headers.get('if-range');
	if (ifRange !== null && ifRange.trim() !== `"${cid}"`) return undefined;
	return parseRange(request.headers.get('range'));
}

function notModified(request: Request, cid: string): boolean {
	const header = request.headers.get('if-none-match');
	if (header === null) return false;
	return header.split(',').some((tag) => {
		const value = tag.trim();
		return value === '*' || value.replace(/^W\//, '') === `"${cid}"`;
	});
}

function restricted(): Response {
	return error(403, 'VideoRestricted', 'this video is not publicly playable');
}

function notFound(): Response {
	return error(404, 'VideoNotFound', 'no video is stored under this CID');
}

function error(status: number, name: string, message: string, extra: Record<string, string> = {}): Response {
	// Errors may change (a video arrives, a restriction lifts): never cache them.
	return Response.json({ error: name, message }, { status, headers: { 'cache-control': 'no-store', ...extra } });
}
