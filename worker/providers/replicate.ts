import { z } from 'zod';
import { MalformedResponse, ProviderError } from './errors.ts';
import { checkSources, createHttp, downloadVideo, readJson, send, type Http } from './http.ts';
import type {
	Capabilities,
	ClientOptions,
	CreateOptions,
	GenerationRequest,
	ProviderJob,
	ProviderStatus,
	VideoProvider,
	VideoResult,
} from './provider.ts';

export const REPLICATE_API_URL = 'https://api.replicate.com';
/** Replicate deletes API outputs an hour after the prediction: the caller copies at once. */
const OUTPUT_LIFETIME_MS = 3_600_000;

const predictionSchema = z.object({
	id: z.string().min(1),
	status: z.enum(['starting', 'processing', 'succeeded', 'failed', 'canceled']),
	output: z.unknown().optional(),
	error: z.unknown().optional(),
	logs: z.string().nullish(),
	completed_at: z.string().nullish(),
});
type Prediction = z.infer<typeof predictionSchema>;

/** A video model's output is one file URL; some models return a list of files. */
const outputSchema = z.union([z.url(), z.tuple([z.url()], z.url())]);

/** Replicate predictions: create on the model, poll the prediction, progress from its logs. */
export class ReplicateProvider implements VideoProvider {
	readonly name = 'replicate';
	readonly model: string;
	readonly capabilities: Capabilities;
	readonly #http: Http;
	readonly #base: string;

	constructor(options: ClientOptions) {
		this.model = options.model;
		this.capabilities = replicateCapabilities(options.model);
		this.#base = `${options.baseUrl.replace(/\/+$/, '')}/v1`;
		this.#http = createHttp('replicate', `Bearer ${options.apiKey}`, options);
	}

	async create(request: GenerationRequest, options: CreateOptions = {}): Promise<ProviderJob> {
		checkSources(this.#http, this.model, this.capabilities, request);
		const body = {
			input: replicateInput(this.model, request),
			// `start` tells the job it is running; progress comes from polling (logs events are chatty).
			...(options.webhookUrl ? { webhook: options.webhookUrl, webhook_events_filter: ['start', 'completed'] } : {}),
		};
		const url = `${this.#base}/models/${this.model}/predictions`;
		const prediction = await this.#read(await send(this.#http, url, { method: 'POST', json: body, signal: options.signal }));
		return { id: prediction.id };
	}

	async status(job: ProviderJob, signal?: AbortSignal): Promise<ProviderStatus> {
		const prediction = await this.#get(job, signal);
		switch (prediction.status) {
			case 'starting':
				return { state: 'queued' };
			case 'processing':
				return { state: 'running', progress: progressFromLogs(prediction.logs) };
			case 'succeeded':
				return { state: 'succeeded' };
			case 'failed':
				return { state: 'failed', error: describeError(prediction.error) };
			case 'canceled':
				return { state: 'cancelled' };
		}
	}

	async result(job: ProviderJob, signal?: AbortSignal): Promise<VideoResult> {
		const prediction = await this.#get(job, signal);
		if (prediction.status !== 'succeeded') {
			throw new ProviderError('replicate', `prediction ${job.id} is ${prediction.status}, not succeeded`, false);
		}
		const output = outputSchema.safeParse(prediction.output);
		if (!output.success) throw new MalformedResponse('replicate', `output: ${z.prettifyError(output.error)}`);
		const videoUrl = typeof output.data === 'string' ? output.data : output.data[0];
		const completedAt = prediction.completed_at ? Date.parse(prediction.completed_at) : NaN;
		return {
			videoUrl,
			mimeType: mimeTypeOf(videoUrl),
			expiresAt: Number.isFinite(completedAt) ? completedAt + OUTPUT_LIFETIME_MS : undefined,
		};
	}

	download(result: VideoResult, signal?: AbortSignal): Promise<Response> {
		return downloadVideo(this.#http, result.videoUrl, signal);
	}

	async cancel(job: ProviderJob, signal?: AbortSignal): Promise<void> {
		const url = `${this.#base}/predictions/${encodeURIComponent(job.id)}/cancel`;
		await this.#read(await send(this.#http, url, { method: 'POST', signal }));
	}

	async #get(job: ProviderJob, signal?: AbortSignal): Promise<Prediction> {
		const url = `${this.#base}/predictions/${encodeURIComponent(job.id)}`;
		return this.#read(await send(this.#http, url, { method: 'GET', signal }));
	}

	#read(response: Response): Promise<Prediction> {
		return readJson(this.#http, response, predictionSchema);
	}
}

/** Seedance 2.0 takes reference videos and images (remix); other models get the shared text fields. */
function isSeedance(model: string): boolean {
	return model.startsWith('bytedance/seedance');
}

function replicateCapabilities(model: string): Capabilities {
	return isSeedance(model) ? { sourceVideo: true, sourceImage: true, references: 9 } : { sourceVideo: false, sourceImage: false, references: 0 };
}

function replicateInput(model: string, request: GenerationRequest): Record<string, unknown> {
	const input = { prompt: request.prompt, aspect_ratio: request.aspectRatio, seed: request.seed };
	if (!isSeedance(model)) return { ...input, duration: request.durationSeconds };
	return {
		...input,
		duration: Math.min(15, Math.max(4, Math.round(request.durationSeconds))),
		reference_videos: request.sourceVideoUrl ? [request.sourceVideoUrl] : undefined,
		reference_images: references(request),
	};
}

/** The source still first, then each featured person's likeness; Seedance takes at most 9. */
function references(request: GenerationRequest): string[] | undefined {
	const images = [...(request.sourceImageUrl ? [request.sourceImageUrl] : []), ...(request.referenceImageUrls ?? [])];
	return images.length > 0 ? images : undefined;
}

/** Models print progress bars (`45%|████▌ | 9/20`); the last percentage in the logs is the latest. */
export function progressFromLogs(logs: string | null | undefined): number | undefined {
	const matches = logs?.match(/(\d{1,3}(?:\.\d+)?)\s*%/g);
	const last = matches?.at(-1);
	if (last === undefined) return undefined;
	const value = Math.floor(parseFloat(last));
	return value >= 0 && value <= 100 ? value : undefined;
}

function describeError(error: unknown): string {
	if (typeof error === 'string' && error) return error;
	return error ? JSON.stringify(error).slice(0, 300) : 'prediction failed';
}

function mimeTypeOf(url: string): string {
	const path = new URL(url).pathname.toLowerCase();
	if (path.endsWith('.webm')) return 'video/webm';
	if (path.endsWith('.mov')) return 'video/quicktime';
	return 'video/mp4';
}
