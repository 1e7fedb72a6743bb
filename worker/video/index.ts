import { z } from 'zod';
import { outboundFetch } from '../outbound-fetch.ts';
import type { VideoHost } from './host.ts';
import { R2VideoHost } from './r2-host.ts';
import type { VideoCache } from './serve-video.ts';
import { StreamClient } from './stream/client.ts';
import { StreamVideoHost } from './stream/host.ts';

export type { HostedVideo, PlaybackUrls, PutOptions, VideoBlob, VideoHost, VideoHostName, VideoStatus } from './host.ts';
export { VideoHostError } from './host.ts';
export { serveVideo, videoCacheKey } from './serve-video.ts';
export { verifyStreamWebhook } from './stream/webhook.ts';

const optional = z
	.string()
	.optional()
	.transform((value) => value || undefined);

/** The video vars; Stream's are required only when it is the host (the webhook secret whenever it is set up). */
const videoConfigSchema = z
	.object({
		VIDEO_HOST: z.enum(['r2', 'stream']).default('r2'),
		STREAM_ACCOUNT_ID: optional,
		STREAM_API_TOKEN: optional,
		STREAM_CUSTOMER_CODE: optional,
		STREAM_WATERMARK_UID: optional,
		STREAM_WEBHOOK_SECRET: optional,
		STREAM_API_URL: z.union([z.url(), z.literal('')]).optional().transform((value) => value || undefined),
	})
	.superRefine((vars, ctx) => {
		if (vars.VIDEO_HOST !== 'stream') return;
		for (const name of ['STREAM_ACCOUNT_ID', 'STREAM_API_TOKEN', 'STREAM_CUSTOMER_CODE'] as const) {
			if (!vars[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when VIDEO_HOST is "stream"' });
		}
	});
export type VideoConfig = z.output<typeof videoConfigSchema>;

/** Parses the deployment's video vars once; a misconfiguration fails loudly at the first request. */
export function readVideoConfig(env: unknown): VideoConfig {
	return videoConfigSchema.parse(env);
}

export interface VideoHostDeps {
	bucket: R2Bucket;
	publicUrl: string;
	/** For blob URLs (R2 host): `outboundFetch(config.allowLoopbackFetch)`. */
	fetch: typeof fetch;
	cache?: VideoCache;
}

/** The deployment's video host, as its env and config describe it. */
export function videoHostOf(env: Env, publicUrl: URL, allowLoopbackFetch: boolean): VideoHost {
	return createVideoHost(readVideoConfig(env), {
		bucket: env.VIDEOS,
		publicUrl: publicUrl.origin,
		fetch: outboundFetch(allowLoopbackFetch),
		cache: caches.default,
	});
}

export function createVideoHost(config: VideoConfig, deps: VideoHostDeps): VideoHost {
	if (config.VIDEO_HOST === 'r2') return new R2VideoHost(deps);
	const client = new StreamClient({
		accountId: config.STREAM_ACCOUNT_ID ?? '',
		apiToken: config.STREAM_API_TOKEN ?? '',
		apiBase: config.STREAM_API_URL,
	});
	return new StreamVideoHost({ client, customerCode: config.STREAM_CUSTOMER_CODE ?? '', watermarkUid: config.STREAM_WATERMARK_UID });
}
