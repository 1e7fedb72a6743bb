import { z } from 'zod';

export type ProviderName = 'fal' | 'replicate' | 'demo';

export const aspectRatios = ['9:16', '16:9', '1:1'] as const;
export type AspectRatio = (typeof aspectRatios)[number];

/** What a generation asks for. Zod because jobs persist it and read it back (a job payload). */
export const generationRequestSchema = z.object({
	prompt: z.string().min(1).max(4000),
	durationSeconds: z.number().int().min(1).max(30),
	aspectRatio: z.enum(aspectRatios),
	/** Remix: a public URL of the clip to vary; only for providers with `capabilities.sourceVideo`. */
	sourceVideoUrl: z.url().optional(),
	sourceImageUrl: z.url().optional(),
	/** Featured people's likenesses: short-lived URLs of reference images; only up to `capabilities.references`. */
	referenceImageUrls: z.array(z.url()).max(10).optional(),
	seed: z.number().int().min(0).optional(),
});
export type GenerationRequest = z.infer<typeof generationRequestSchema>;

/**
 * A submitted job, as plain JSON so the job's Durable Object can store it. `urls` are the
 * endpoints the provider handed back at submit time (fal asks clients to prefer them).
 */
export interface ProviderJob {
	id: string;
	urls?: { status: string; result: string; cancel: string };
}

export type ProviderStatus =
	| { state: 'queued'; queuePosition?: number }
	/** `progress` 0–100 only where the provider reports one; otherwise indeterminate. */
	| { state: 'running'; progress?: number }
	| { state: 'succeeded' }
	| { state: 'failed'; error: string }
	| { state: 'cancelled' };

export interface VideoResult {
	videoUrl: string;
	mimeType: string;
	/** When the provider deletes the file (Replicate: 1 h after completion): copy it before then. */
	expiresAt?: number;
}

export interface Capabilities {
	/** Can vary an existing clip (remix from a source video). */
	sourceVideo: boolean;
	/** Can start from a still (first frame or reference image). */
	sourceImage: boolean;
	/** How many reference images of people the model takes alongside the prompt (0: none; a cameo's likeness needs one each). */
	references: number;
}

export interface CreateOptions {
	/** Where the provider POSTs completion; polling works without it. */
	webhookUrl?: string;
	signal?: AbortSignal;
}

/**
 * One video-generation backend. Failures throw `ProviderError` (or its `RateLimited` and
 * `MalformedResponse` subclasses); a job that the provider ran and failed is a `failed` status.
 */
export interface VideoProvider {
	readonly name: ProviderName;
	readonly model: string;
	readonly capabilities: Capabilities;
	/** Not idempotent: a retry after a lost response may start a second (billed) job. */
	create(request: GenerationRequest, options?: CreateOptions): Promise<ProviderJob>;
	status(job: ProviderJob, signal?: AbortSignal): Promise<ProviderStatus>;
	result(job: ProviderJob, signal?: AbortSignal): Promise<VideoResult>;
	/** The video's bytes as a streaming response (demo clips have no fetchable URL; tests use fakes). */
	download(result: VideoResult, signal?: AbortSignal): Promise<Response>;
	/** Best effort: a job that is already finished is not an error. */
	cancel(job: ProviderJob, signal?: AbortSignal): Promise<void>;
}

/** The endpoint, key and plumbing each HTTP client is built from; `fetch` is replaced in tests. */
export interface ClientOptions {
	baseUrl: string;
	apiKey: string;
	model: string;
	fetch?: typeof fetch;
	/** Per request; workerd has no default timeout and a hung provider would hold the job. */
	timeoutMs?: number;
}

/** A webhook's signature checked: `jobId` is the provider's job id (look the job up, then poll it). */
/** `deliveryId` names one delivery (a replay repeats it); `account` is the provider account it came for, where told. */
export type WebhookVerdict = { ok: true; jobId: string; deliveryId: string; account?: string } | { ok: false; reason: string };
