import { fromString } from '@atcute/cid';
import { isCid } from '@atcute/lexicons/syntax';
import { VideoHostError, type HostedVideo, type PlaybackUrls, type PosterBlob, type PutOptions, type VideoBlob, type VideoHost, type VideoStatus } from './host.ts';
import { isRestricted, readFlags, toCustomMetadata, type VideoFlags } from './r2-metadata.ts';
import { videoCacheEntryKey, videoCacheKey, type VideoCache } from './serve-video.ts';

/** A PDS serving a blob slowly still has to finish within this. */
const FETCH_TIMEOUT_MS = 300_000;
/** Clips are MP4 (the clip lexicon says so); the route serves nothing else. */
const MIME_TYPE = 'video/mp4';
/** What the clip lexicon accepts as a `thumbnail`. */
const POSTER_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);
const POSTER_MAX_BYTES = 1_000_000;

/** Where a video's poster lives: beside it, served at `/video/<cid>/poster` while the video may be shown. */
export function posterKey(cid: string): string {
	return `${cid}/poster`;
}

export interface R2HostOptions {
	bucket: R2Bucket;
	/** This deployment's origin: playback URLs are `<publicUrl>/video/<cid>`, and the cache key with it. */
	publicUrl: string;
	/** Fetches blob URLs (`outboundFetch`, which refuses private addresses in production). */
	fetch: typeof fetch;
	/** The cache `serveVideo` fills, purged when a video is restricted or removed. */
	cache?: VideoCache;
}

/**
 * The default host, locally and for self-hosting: the MP4 under its blob CID in R2, served by
 * `serveVideo`. Puts are verified: R2 refuses bytes whose SHA-256 is not the CID's digest.
 */
export class R2VideoHost implements VideoHost {
	readonly name = 'r2';

	constructor(private readonly options: R2HostOptions) {}

	async put(blob: VideoBlob, flags: PutOptions): Promise<HostedVideo> {
		checkBlob(blob);
		const existing = await this.options.bucket.head(blob.cid);
		if (existing) {
			// Same CID, same bytes: only the flags may need a change.
			await this.setRestricted(blob.cid, flags.restricted);
			return { host: 'r2', ref: blob.cid };
		}
		let response: Response;
		try {
			response = await this.options.fetch(blob.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
		} catch (cause) {
			throw new VideoHostError('r2', `fetching ${blob.url} failed`, true, { cause });
		}
		if (!response.ok || !response.body) {
			await response.body?.cancel();
			throw new VideoHostError('r2', `fetching ${blob.url} answered ${response.status}`, response.status >= 500 || response.status === 429);
		}
		const length = response.headers.get('content-length');
		if (length !== null && Number(length) !== blob.size) {
			await response.body.cancel();
			throw new VideoHostError('r2', `${blob.cid}: the PDS sent ${length} bytes, the record declares ${blob.size}`, false);
		}
		await this.store(blob.cid, response.body, { size: blob.size, ...flags });
		return { host: 'r2', ref: blob.cid };
	}

	/**
	 * Stores bytes already in hand (a stream is held to exactly `size` bytes). Throws if they are
	 * not the CID's bytes: R2 checks the SHA-256 we pass against what it received.
	 */
	async store(cid: string, body: ReadableStream | ArrayBuffer | ArrayBufferView, meta: VideoFlags & { size: number }): Promise<void> {
		const options = { sha256: digestOf(cid), httpMetadata: { contentType: MIME_TYPE }, customMetadata: toCustomMetadata(meta) };
		if (!(body instanceof ReadableStream) && body.byteLength !== meta.size) {
			throw new VideoHostError('r2', `${cid}: ${body.byteLength} bytes, declared ${meta.size}`, false);
		}
		try {
			if (body instanceof ReadableStream) {
				// R2 needs a known length; FixedLengthStream also errors on a short or long body.
				const fixed = new FixedLengthStream(meta.size);
				await Promise.all([body.pipeTo(fixed.writable), this.options.bucket.put(cid, fixed.readable, options)]);
			} else {
				await this.options.bucket.put(cid, body, options);
			}
		} catch (cause) {
			throw new VideoHostError('r2', `storing ${cid} failed (bytes not matching the CID or the size?)`, false, { cause });
		}
	}

	/**
	 * Copies the poster once, verified as the video is: R2 refuses bytes whose SHA-256 is not the
	 * poster CID's digest, and more or fewer bytes than declared. Serving follows the video's flag.
	 */
	async putPoster(ref: string, poster: PosterBlob): Promise<void> {
		if (!isCid(poster.cid)) throw new VideoHostError('r2', `not a CID: ${poster.cid}`, false);
		if (!POSTER_TYPES.has(poster.mimeType)) throw new VideoHostError('r2', `${poster.cid}: ${poster.mimeType} is not a poster type`, false);
		if (!Number.isSafeInteger(poster.size) || poster.size <= 0 || poster.size > POSTER_MAX_BYTES) throw new VideoHostError('r2', `${poster.cid}: bad size ${poster.size}`, false);
		const { bucket } = this.options;
		if (await bucket.head(posterKey(ref))) return;
		const response = await this.options.fetch(poster.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
		if (!response.ok || !response.body) {
			await response.body?.cancel();
			throw new VideoHostError('r2', `fetching ${poster.url} answered ${response.status}`, response.status >= 500);
		}
		const fixed = new FixedLengthStream(poster.size);
		const options = { sha256: digestOf(poster.cid), httpMetadata: { contentType: poster.mimeType } };
		try {
			await Promise.all([response.body.pipeTo(fixed.writable), bucket.put(posterKey(ref), fixed.readable, options)]);
		} catch (cause) {
			throw new VideoHostError('r2', `storing the poster ${poster.cid} failed (bytes not matching the CID or the size?)`, false, { cause });
		}
	}

	async status(ref: string): Promise<VideoStatus> {
		// R2 puts are synchronous: a stored video is playable at once.
		return (await this.options.bucket.head(ref)) ? { state: 'ready' } : { state: 'failed', reason: 'not stored' };
	}

	async playback(ref: string, options: { restricted: boolean }): Promise<PlaybackUrls> {
		// The route refuses restricted videos and R2 has no signed URLs yet: nothing to offer.
		if (options.restricted) return {};
		const poster = await this.options.bucket.head(posterKey(ref));
		return { mp4: videoCacheKey(this.options.publicUrl, ref), ...(poster ? { thumbnail: `${videoCacheKey(this.options.publicUrl, ref)}/poster` } : {}) };
	}

	async setRestricted(ref: string, restricted: boolean): Promise<void> {
		const { bucket } = this.options;
		const head = await bucket.head(ref);
		if (!head) throw new VideoHostError('r2', `${ref} is not stored`, false);
		if (isRestricted(head) === restricted) return;
		// customMetadata cannot change in place: rewrite the object, unless it changed meanwhile.
		const object = await bucket.get(ref, { onlyIf: { etagMatches: head.etag } });
		if (!object || !('body' in object)) throw new VideoHostError('r2', `${ref} changed while restricting; retry`, true);
		const flags = { ...readFlags(head), restricted };
		const put = { sha256: digestOf(ref), httpMetadata: head.httpMetadata, customMetadata: toCustomMetadata(flags), onlyIf: { etagMatches: head.etag } };
		if (!(await bucket.put(ref, object.body, put))) throw new VideoHostError('r2', `${ref} changed while restricting; retry`, true);
		// Housekeeping only: the route asks R2 before the cache, and the rewrite changed the etag its entries are keyed by.
		if (restricted) await this.purge(ref, head.etag);
	}

	async remove(ref: string): Promise<void> {
		const head = await this.options.bucket.head(ref);
		await this.options.bucket.delete([ref, posterKey(ref)]);
		if (head) await this.purge(ref, head.etag);
	}

	/** This data centre's copy; elsewhere it expires unread (see serveVideo). */
	private async purge(cid: string, etag: string): Promise<void> {
		await this.options.cache?.delete(videoCacheEntryKey(this.options.publicUrl, cid, etag));
	}
}

function checkBlob(blob: VideoBlob): void {
	if (!isCid(blob.cid)) throw new VideoHostError('r2', `not a CID: ${blob.cid}`, false);
	if (blob.mimeType !== MIME_TYPE) throw new VideoHostError('r2', `${blob.cid}: ${blob.mimeType} is not ${MIME_TYPE}`, false);
	if (!Number.isSafeInteger(blob.size) || blob.size <= 0) throw new VideoHostError('r2', `${blob.cid}: bad size ${blob.size}`, false);
}

/** The SHA-256 a CID commits to (atproto CIDs always hash with SHA-256). */
function digestOf(cid: string): Uint8Array {
	if (!isCid(cid)) throw new VideoHostError('r2', `not a CID: ${cid}`, false);
	return fromString(cid).digest.contents;
}
