import { z } from 'zod';
import { MalformedResponse, ProviderError } from './errors.ts';
import { falModel, type FalModel } from './fal-models.ts';
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

export const FAL_QUEUE_URL = 'https://queue.fal.run';

const submitSchema = z.object({
	request_id: z.string().min(1),
	response_url: z.url(),
	status_url: z.url(),
	cancel_url: z.url(),
});

const statusSchema = z.discriminatedUnion('status', [
	z.object({ status: z.literal('IN_QUEUE'), queue_position: z.number().int().min(0).optional() }),
	z.object({ status: z.literal('IN_PROGRESS') }),
	// Some apps also name the failure here; the documented place is the result.
	z.object({ status: z.literal('COMPLETED'), error: z.string().nullish() }),
]);

const outputSchema = z.object({
	video: z.object({ url: z.url(), content_type: z.string().optional() }),
});

const cancelSchema = z.object({ status: z.enum(['CANCELLATION_REQUESTED', 'ALREADY_COMPLETED', 'NOT_FOUND']) });

/** fal.ai's queue API: submit, poll the status URL, read the response URL. No progress percentage. */
export class FalProvider implements VideoProvider {
	readonly name = 'fal';
	readonly model: string;
	readonly capabilities: Capabilities;
	readonly #http: Http;
	readonly #base: string;
	readonly #family: FalModel;

	constructor(options: ClientOptions) {
		this.model = options.model;
		this.#base = options.baseUrl.replace(/\/+$/, '');
		this.#family = falModel(options.model);
		this.capabilities = this.#family.capabilities;
		this.#http = createHttp('fal', `Key ${options.apiKey}`, options);
	}

	async create(request: GenerationRequest, options: CreateOptions = {}): Promise<ProviderJob> {
		checkSources(this.#http, this.model, this.capabilities, request);
		const { modelId, input } = this.#family.route(request);
		const url = new URL(`${this.#base}/${modelId}`);
		if (options.webhookUrl) url.searchParams.set('fal_webhook', options.webhookUrl);
		const response = await send(this.#http, url.href, { method: 'POST', json: input, signal: options.signal });
		const body = await readJson(this.#http, response, submitSchema);
		const urls = { status: body.status_url, result: body.response_url, cancel: body.cancel_url };
		// The key goes wherever these URLs point: follow them only on the API's own origin.
		const sameOrigin = Object.values(urls).every((u) => new URL(u).origin === new URL(this.#base).origin);
		return sameOrigin ? { id: body.request_id, urls } : { id: body.request_id };
	}

	async status(job: ProviderJob, signal?: AbortSignal): Promise<ProviderStatus> {
		const response = await send(this.#http, this.#urls(job).status, { method: 'GET', signal });
		const body = await readJson(this.#http, response, statusSchema);
		if (body.status === 'IN_QUEUE') return { state: 'queued', queuePosition: body.queue_position };
		if (body.status === 'IN_PROGRESS') return { state: 'running' };
		if (body.error) return { state: 'failed', error: body.error };
		// COMPLETED covers failures too; they show as a non-2xx result, so look before saying "succeeded".
		try {
			await this.result(job, signal);
			return { state: 'succeeded' };
		} catch (error) {
			if (error instanceof ProviderError && !error.retryable && !(error instanceof MalformedResponse)) {
				return { state: 'failed', error: error.message };
			}
			throw error;
		}
	}

	async result(job: ProviderJob, signal?: AbortSignal): Promise<VideoResult> {
		const response = await send(this.#http, this.#urls(job).result, { method: 'GET', signal });
		const { video } = await readJson(this.#http, response, outputSchema);
		return { videoUrl: video.url, mimeType: video.content_type ?? 'video/mp4' };
	}

	download(result: VideoResult, signal?: AbortSignal): Promise<Response> {
		return downloadVideo(this.#http, result.videoUrl, signal);
	}

	async cancel(job: ProviderJob, signal?: AbortSignal): Promise<void> {
		// fal answers the outcomes other than 202 with 4xx bodies that still name the outcome.
		const accept = (status: number) => status === 400 || status === 404 || status === 409;
		const response = await send(this.#http, this.#urls(job).cancel, { method: 'PUT', signal, accept });
		const body = await readJson(this.#http, response, cancelSchema);
		if (body.status === 'NOT_FOUND') throw new ProviderError('fal', `no request ${job.id}`, false, response.status);
	}

	/** The URLs from submit, or (for a job known only by id, e.g. from a webhook) the app root's. */
	#urls(job: ProviderJob): NonNullable<ProviderJob['urls']> {
		if (job.urls) return job.urls;
		const app = this.model.split('/').slice(0, 2).join('/');
		const request = `${this.#base}/${app}/requests/${encodeURIComponent(job.id)}`;
		return { status: `${request}/status`, result: request, cancel: `${request}/cancel` };
	}
}
