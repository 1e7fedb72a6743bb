/**
 * Where Dreamreel keeps a copy of a clip's video for playback. The canonical blob stays on the
 * author's PDS; a host holds a copy made from it, so every host takes the same input: the blob's
 * CID and a URL that serves its bytes (the PDS's `com.atproto.sync.getBlob`).
 */

export type VideoHostName = 'r2' | 'stream';

/** What to store in the index for a hosted copy: the host, and that host's id for it (R2: the CID; Stream: the uid). */
export interface HostedVideo {
	host: VideoHostName;
	ref: string;
}

/** A video blob as the network names it. */
export interface VideoBlob {
	cid: string;
	mimeType: string;
	/** Declared size in bytes; a host refuses bytes of any other length. */
	size: number;
	/** Where the host fetches (R2) or tells Stream to fetch (copy) the bytes. */
	url: string;
}

/** A clip's poster (the record's `thumbnail` blob), kept beside its video where the host keeps files itself. */
export interface PosterBlob {
	cid: string;
	mimeType: string;
	/** Declared size in bytes, at most the lexicon's 1 MB. */
	size: number;
	url: string;
}

export interface PutOptions {
	/** AI-generated clips carry the configured watermark where the host can apply one (Stream). */
	aiGenerated: boolean;
	/** Not publicly playable: R2 answers 403, Stream requires signed URLs. Never a deletion. */
	restricted: boolean;
}

export type VideoStatus =
	/** `progress` 0–100 where the host reports one. */
	| { state: 'pending'; progress?: number }
	| { state: 'ready' }
	| { state: 'failed'; reason: string };

/** URLs a player uses; absent when the host cannot offer that form (or the clip is restricted on R2). */
export interface PlaybackUrls {
	hls?: string;
	mp4?: string;
	thumbnail?: string;
}

/**
 * One place videos are hosted. `ref` is `HostedVideo.ref`. Expected outcomes are values
 * (`status`); transport and API failures throw.
 */
export interface VideoHost {
	readonly name: VideoHostName;
	/** Copies the blob; idempotent per CID on R2, a new copy per call on Stream. */
	put(blob: VideoBlob, options: PutOptions): Promise<HostedVideo>;
	status(ref: string): Promise<VideoStatus>;
	/** Copies a poster beside the video `ref` once (R2; Stream makes its own thumbnail from the video). */
	putPoster(ref: string, poster: PosterBlob): Promise<void>;
	/** `restricted` is the index's view, so playback needs no lookup; Stream then signs the URLs. */
	playback(ref: string, options: { restricted: boolean }): Promise<PlaybackUrls>;
	setRestricted(ref: string, restricted: boolean): Promise<void>;
	/** Deleting what is already gone is not an error. */
	remove(ref: string): Promise<void>;
}

/** A host refused or failed an operation; `retryable` says whether the same call may succeed later. */
export class VideoHostError extends Error {
	override readonly name = 'VideoHostError';
	constructor(
		readonly host: VideoHostName,
		message: string,
		readonly retryable: boolean,
		options?: { cause?: unknown },
	) {
		super(`${host}: ${message}`, options);
	}
}
