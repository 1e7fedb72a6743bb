import { z } from 'zod';

/**
 * Cloudflare Stream API v4 shapes (shared/CONTRACTS.md §1), only the fields Dreamreel reads:
 * z.object drops the rest, so new fields never break us, while a changed field is a malformed response.
 */

/** Stream video uids are 32 hex characters; checked before one goes into a URL path. */
export const STREAM_UID = /^[0-9a-f]{32}$/;

export const cloudflareErrorSchema = z.object({ code: z.number(), message: z.string() });
export type CloudflareError = z.infer<typeof cloudflareErrorSchema>;

/** Every v4 answer, success or not; `result` is checked separately once `success` is known. */
export const envelopeSchema = z.object({
	success: z.boolean(),
	errors: z.array(cloudflareErrorSchema),
	messages: z.array(z.unknown()),
	result: z.unknown(),
});

export const streamStates = ['pendingupload', 'downloading', 'queued', 'inprogress', 'ready', 'error'] as const;

export const streamVideoSchema = z.object({
	uid: z.string().regex(STREAM_UID),
	readyToStream: z.boolean(),
	requireSignedURLs: z.boolean(),
	status: z.object({
		state: z.enum(streamStates),
		/** A string "0"–"100"; absent before processing starts. */
		pctComplete: z.string().nullish(),
		step: z.string().nullish(),
		// The docs' example says errReason*, the schema errorReason*: accept both.
		errorReasonCode: z.string().nullish(),
		errorReasonText: z.string().nullish(),
		errReasonCode: z.string().nullish(),
		errReasonText: z.string().nullish(),
	}),
	meta: z.record(z.string(), z.unknown()).nullish(),
	thumbnail: z.string().nullish(),
	playback: z.object({ hls: z.string().nullish(), dash: z.string().nullish() }).nullish(),
	duration: z.number().nullish(),
	size: z.number().nullish(),
	created: z.string().nullish(),
	watermark: z.object({ uid: z.string() }).nullish(),
});
export type StreamVideo = z.infer<typeof streamVideoSchema>;

export const directUploadSchema = z.object({ uploadURL: z.url(), uid: z.string().regex(STREAM_UID) });
export type DirectUpload = z.infer<typeof directUploadSchema>;

export const tokenSchema = z.object({ token: z.string().min(1) });

export const watermarkPositions = ['upperRight', 'upperLeft', 'lowerLeft', 'lowerRight', 'center'] as const;

export const watermarkSchema = z.object({
	uid: z.string().regex(STREAM_UID),
	name: z.string().nullish(),
	size: z.number().nullish(),
	height: z.number().nullish(),
	width: z.number().nullish(),
	opacity: z.number().nullish(),
	padding: z.number().nullish(),
	scale: z.number().nullish(),
	position: z.enum(watermarkPositions).nullish(),
	downloadedFrom: z.string().nullish(),
	created: z.string().nullish(),
});
export type StreamWatermark = z.infer<typeof watermarkSchema>;

/** Why a video failed, from whichever spelling the API used. */
export function errorReason(video: StreamVideo): string {
	const code = video.status.errorReasonCode ?? video.status.errReasonCode ?? 'ERR_UNKNOWN';
	const text = video.status.errorReasonText ?? video.status.errReasonText;
	return text ? `${code}: ${text}` : code;
}
