import { z } from 'zod';
import { MalformedResponse, ProviderError, RateLimited } from './errors.ts';
import type { Capabilities, GenerationRequest, ProviderName } from './provider.ts';

const DEFAULT_TIMEOUT_MS = 30_000;
/** Videos stream for a while; the timeout also covers reading the body. */
const DOWNLOAD_TIMEOUT_MS = 300_000;
/** A 429 without `retry-after` still needs a pause. */
const DEFAULT_RETRY_AFTER_MS = 10_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

/** What one provider's calls share: who it is, its auth header, and the (replaceable) network. */
export interface Http {
	provider: ProviderName;
	authorization: string;
	fetch: typeof fetch;
	timeoutMs: number;
}

export function createHttp(provider: ProviderName, authorization: string, options: { fetch?: typeof fetch; timeoutMs?: number }): Http {
	// Bound late so a test (or the runtime) replacing globalThis.fetch is honoured.
	const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
	return { provider, authorization, fetch: fetcher, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
}

interface SendInit {
	method: 'GET' | 'POST' | 'PUT';
	json?: unknown;
	signal?: AbortSignal;
	/** Statuses the caller reads itself instead of failing (fal's cancel outcomes). */
	accept?: (status: number) => boolean;
	/** Off for URLs a response handed us: the API key never leaves the provider's API. */
	auth?: boolean;
	timeoutMs?: number;
}

/** One request with the error mapping every provider shares: 429 → RateLimited, 5xx retryable, 4xx not. */
export async function send(http: Http, url: string, init: SendInit): Promise<Response> {
	const timeout = AbortSignal.timeout(init.timeoutMs ?? http.timeoutMs);
	const headers: Record<string, string> = {};
	if (init.auth !== false) headers.authorization = http.authorization;
	if (init.json !== undefined) headers['content-type'] = 'application/json';
	let response: Response;
	try {
		response = await http.fetch(url, {
			method: init.method,
			headers,
			body: init.json === undefined ? undefined : JSON.stringify(init.json),
			signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
		});
	} catch (error) {
		if (init.signal?.aborted) throw error; // the caller gave up: not a provider failure
		throw new ProviderError(http.provider, `request failed: ${String(error)}`, true);
	}
	if (response.status === 429) {
		await response.body?.cancel();
		throw new RateLimited(http.provider, retryAfterMs(response.headers.get('retry-after'), Date.now()));
	}
	if (response.ok || init.accept?.(response.status)) return response;
	const detail = await errorDetail(response);
	const message = `HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
	throw new ProviderError(http.provider, message, isRetryable(response.status), response.status);
}

/** Parses a body against the documented contract; anything else is MalformedResponse, never a guess. */
export async function readJson<S extends z.ZodType>(http: Http, response: Response, schema: S): Promise<z.output<S>> {
	let data: unknown;
	try {
		data = JSON.parse(await response.text());
	} catch {
		throw new MalformedResponse(http.provider, 'body is not JSON', response.status);
	}
	const parsed = schema.safeParse(data);
	if (!parsed.success) throw new MalformedResponse(http.provider, z.prettifyError(parsed.error), response.status);
	return parsed.data;
}

/** Fetches a provider's output file: unauthenticated (its URL is public) and with a long timeout. */
export function downloadVideo(http: Http, url: string, signal?: AbortSignal): Promise<Response> {
	return send(http, url, { method: 'GET', signal, auth: false, timeoutMs: DOWNLOAD_TIMEOUT_MS });
}

/** A remix the model cannot do fails before any (billed) request is made. */
export function checkSources(http: Http, model: string, capabilities: Capabilities, request: GenerationRequest): void {
	if (request.sourceVideoUrl && !capabilities.sourceVideo) {
		throw new ProviderError(http.provider, `${model} cannot start from a source video`, false);
	}
	if (request.sourceImageUrl && !capabilities.sourceImage) {
		throw new ProviderError(http.provider, `${model} cannot start from a source image`, false);
	}
	if ((request.referenceImageUrls?.length ?? 0) > capabilities.references) {
		throw new ProviderError(http.provider, `${model} takes ${capabilities.references} reference images, not ${request.referenceImageUrls!.length}`, false);
	}
}

/** `retry-after` is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number {
	if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER_MS;
	const seconds = Number(header);
	const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
	if (!Number.isFinite(ms)) return DEFAULT_RETRY_AFTER_MS;
	return Math.min(Math.max(0, Math.ceil(ms)), MAX_RETRY_AFTER_MS);
}

function isRetryable(status: number): boolean {
	return status >= 500 || status === 408 || status === 425;
}

const errorBodySchema = z.object({
	detail: z.unknown().optional(),
	error: z.unknown().optional(),
	message: z.unknown().optional(),
});

/** A short human reason from an error body (fal: `detail`, Replicate: `detail`/`title`-style JSON). */
async function errorDetail(response: Response): Promise<string> {
	const text = (await response.text().catch(() => '')).slice(0, 2000);
	let reason: unknown = text;
	try {
		const body = errorBodySchema.safeParse(JSON.parse(text));
		if (body.success) reason = body.data.detail ?? body.data.error ?? body.data.message ?? text;
	} catch {
		// not JSON: keep the text
	}
	return (typeof reason === 'string' ? reason : JSON.stringify(reason)).slice(0, 300);
}
