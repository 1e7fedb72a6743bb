import { VideoHostError, type HostedVideo, type PlaybackUrls, type PutOptions, type VideoBlob, type VideoHost, type VideoStatus } from '../host.ts';
import type { StreamClient } from './client.ts';
import { StreamApiError } from './errors.ts';
import { errorReason } from './schemas.ts';

/** Long enough to watch a short clip and seek around; a player asks again for a new one. */
const DEFAULT_TOKEN_TTL_SECONDS = 3600;

export interface StreamHostOptions {
	client: StreamClient;
	/** The `<CODE>` of `customer-<CODE>.cloudflarestream.com` (dashboard → Stream). */
	customerCode: string;
	/** The watermark profile put on AI-generated clips; none if unset. */
	watermarkUid?: string;
	tokenTtlSeconds?: number;
	/** Milliseconds, like Date.now (replaced in tests). */
	now?: () => number;
}

/** Cloudflare Stream: Stream copies the blob from the PDS and encodes it for HLS. */
export class StreamVideoHost implements VideoHost {
	readonly name = 'stream';
	readonly #o: StreamHostOptions;

	constructor(options: StreamHostOptions) {
		if (!/^[a-z0-9]+$/.test(options.customerCode)) throw new TypeError(`bad Stream customer code: ${options.customerCode}`);
		this.#o = options;
	}

	async put(blob: VideoBlob, options: PutOptions): Promise<HostedVideo> {
		const video = await this.#wrap(() =>
			this.#o.client.copyFromUrl({
				url: blob.url,
				// The CID lets an operator match Stream's videos to blobs (and find duplicates of a retried copy).
				meta: { name: blob.cid, cid: blob.cid },
				requireSignedURLs: options.restricted,
				watermarkUid: options.aiGenerated ? this.#o.watermarkUid : undefined,
			}),
		);
		return { host: 'stream', ref: video.uid };
	}

	async status(ref: string): Promise<VideoStatus> {
		const video = await this.#wrap(() => this.#o.client.get(ref));
		// Playable as soon as one rendition is, before encoding finishes.
		if (video.readyToStream) return { state: 'ready' };
		if (video.status.state === 'error') return { state: 'failed', reason: errorReason(video) };
		const progress = Number(video.status.pctComplete ?? NaN);
		return Number.isFinite(progress) ? { state: 'pending', progress } : { state: 'pending' };
	}

	/** Stream's own thumbnail (a frame of the encoded video) is the poster: nothing to copy. */
	async putPoster(): Promise<void> {}

	async playback(ref: string, options: { restricted: boolean }): Promise<PlaybackUrls> {
		let id = ref;
		if (options.restricted) {
			const exp = Math.floor((this.#o.now ?? Date.now)() / 1000) + (this.#o.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
			id = await this.#wrap(() => this.#o.client.createToken(ref, { exp }));
		}
		const base = `https://customer-${this.#o.customerCode}.cloudflarestream.com/${encodeURIComponent(id)}`;
		return { hls: `${base}/manifest/video.m3u8`, thumbnail: `${base}/thumbnails/thumbnail.jpg` };
	}

	async setRestricted(ref: string, restricted: boolean): Promise<void> {
		await this.#wrap(() => this.#o.client.update(ref, { requireSignedURLs: restricted }));
	}

	async remove(ref: string): Promise<void> {
		try {
			await this.#o.client.delete(ref);
		} catch (error) {
			if (error instanceof StreamApiError && error.status === 404) return;
			throw wrap(error);
		}
	}

	async #wrap<T>(call: () => Promise<T>): Promise<T> {
		try {
			return await call();
		} catch (error) {
			throw wrap(error);
		}
	}
}

/** Callers see one error type from every host; the Stream details stay in `cause`. */
function wrap(error: unknown): unknown {
	if (!(error instanceof StreamApiError)) return error;
	return new VideoHostError('stream', error.message, error.retryable, { cause: error });
}
