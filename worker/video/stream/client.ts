import { z } from 'zod';
import { StreamApiError, retryAfterMs } from './errors.ts';
import {
	directUploadSchema,
	envelopeSchema,
	STREAM_UID,
	streamVideoSchema,
	tokenSchema,
	watermarkSchema,
	type DirectUpload,
	type StreamVideo,
	type StreamWatermark,
	type watermarkPositions,
} from './schemas.ts';

export const STREAM_API_BASE = 'https://api.cloudflare.com/client/v4';

export interface StreamClientOptions {
	accountId: string;
	/** An API token with Stream Write. */
	apiToken: string;
	/** `https://api.cloudflare.com/client/v4` unless a test points it at the fake. */
	apiBase?: string;
	fetch?: typeof fetch;
	sleep?: (ms: number) => Promise<void>;
	/** Jitter source, replaced in tests for exact delays. */
	random?: () => number;
	maxRetries?: number;
	/** A longer `retry-after` is not waited out here (Stream's own lockout is 5 min): the error goes up. */
	maxRetryAfterMs?: number;
	timeoutMs?: number;
}

interface UploadFields {
	meta?: Record<string, string>;
	requireSignedURLs?: boolean;
	/** A watermark profile; Stream applies it only at upload. */
	watermarkUid?: string;
	/** Where the default thumbnail is taken, 0–1 of the duration. */
	thumbnailTimestampPct?: number;
}

export type WatermarkInput = { name: string; opacity?: number; padding?: number; scale?: number; position?: (typeof watermarkPositions)[number] } & (
	| { url: string }
	| { bytes: Uint8Array; filename?: string }
);

type Body = { json: unknown } | { form: FormData } | undefined;

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 8_000;

/** A typed wrapper over the Stream API: envelopes checked with zod, 429 and 5xx retried with backoff. */
export class StreamClient {
	readonly #base: string;
	readonly #o: Required<Omit<StreamClientOptions, 'apiBase' | 'accountId'>>;

	constructor(options: StreamClientOptions) {
		this.#base = `${options.apiBase ?? STREAM_API_BASE}/accounts/${encodeURIComponent(options.accountId)}/stream`;
		this.#o = {
			apiToken: options.apiToken,
			// Bound late so a test (or the runtime) replacing globalThis.fetch is honoured.
			fetch: options.fetch ?? ((input, init) => fetch(input, init)),
			sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
			random: options.random ?? Math.random,
			maxRetries: options.maxRetries ?? 3,
			maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
			timeoutMs: options.timeoutMs ?? 30_000,
		};
	}

	/** Stream downloads the URL itself (the origin must answer HEAD and ranged GETs). */
	copyFromUrl(input: UploadFields & { url: string }): Promise<StreamVideo> {
		return this.#call('POST', '/copy', { json: { url: input.url, ...uploadFields(input) } }, streamVideoSchema, false);
	}

	/** A one-time URL the client POSTs the file to (multipart `file`, ≤ 200 MB). */
	directUpload(input: UploadFields & { maxDurationSeconds: number; expiry?: string }): Promise<DirectUpload> {
		const json = { maxDurationSeconds: input.maxDurationSeconds, expiry: input.expiry, ...uploadFields(input) };
		return this.#call('POST', '/direct_upload', { json }, directUploadSchema, false);
	}

	async get(uid: string): Promise<StreamVideo> {
		return this.#call('GET', `/${checkUid(uid)}`, undefined, streamVideoSchema, true);
	}

	async update(uid: string, changes: { requireSignedURLs?: boolean; meta?: Record<string, string> }): Promise<StreamVideo> {
		return this.#call('POST', `/${checkUid(uid)}`, { json: changes }, streamVideoSchema, true);
	}

	/** The body of a delete is not documented: success is the status alone. */
	async delete(uid: string): Promise<void> {
		await this.#call('DELETE', `/${checkUid(uid)}`, undefined, null, true);
	}

	/** A signed playback token (it replaces the uid in playback URLs); `exp` in Unix seconds. */
	async createToken(uid: string, options: { exp: number }): Promise<string> {
		const result = await this.#call('POST', `/${checkUid(uid)}/token`, { json: { exp: options.exp } }, tokenSchema, true);
		return result.token;
	}

	createWatermark(input: WatermarkInput): Promise<StreamWatermark> {
		const { name, opacity, padding, scale, position } = input;
		if ('url' in input) return this.#call('POST', '/watermarks', { json: { url: input.url, name, opacity, padding, scale, position } }, watermarkSchema, false);
		const form = new FormData();
		form.set('file', new Blob([input.bytes.slice()]), input.filename ?? 'watermark.png');
		for (const [key, value] of Object.entries({ name, opacity, padding, scale, position })) {
			if (value !== undefined) form.set(key, String(value));
		}
		return this.#call('POST', '/watermarks', { form }, watermarkSchema, false);
	}

	/**
	 * One API call. 429 and 5xx are retried (the API refused or failed the call); a network error
	 * only for idempotent calls, since a lost answer to a copy may still have created a video.
	 */
	async #call<S extends z.ZodType>(method: string, path: string, body: Body, schema: S | null, idempotent: boolean): Promise<z.output<S>> {
		for (let attempt = 0; ; attempt++) {
			const last = attempt >= this.#o.maxRetries;
			let response: Response;
			try {
				response = await this.#o.fetch(this.#base + path, {
					method,
					headers: { authorization: `Bearer ${this.#o.apiToken}`, ...(body && 'json' in body ? { 'content-type': 'application/json' } : {}) },
					body: body === undefined ? undefined : 'json' in body ? JSON.stringify(body.json) : body.form,
					signal: AbortSignal.timeout(this.#o.timeoutMs),
				});
			} catch (cause) {
				const error = new StreamApiError('network', `${method} ${path}: ${String(cause)}`);
				if (last || !idempotent) throw error;
				await this.#o.sleep(this.#backoff(attempt));
				continue;
			}
			const text = await response.text();
			if (response.status === 429 || response.status >= 500) {
				const wait = response.status === 429 ? retryAfterMs(response.headers.get('retry-after'), Date.now()) : this.#backoff(attempt);
				const error = failure(method, path, response.status, text, response.status === 429 ? wait : undefined);
				if (last || wait > this.#o.maxRetryAfterMs) throw error;
				await this.#o.sleep(wait);
				continue;
			}
			if (!response.ok) throw failure(method, path, response.status, text);
			return schema === null ? (undefined as z.output<S>) : parse(method, path, response.status, text, schema);
		}
	}

	/** Exponential with equal jitter: half fixed, half random, so retrying isolates spread out. */
	#backoff(attempt: number): number {
		const ceiling = Math.min(BACKOFF_BASE_MS * 2 ** attempt, BACKOFF_MAX_MS);
		return Math.round(ceiling / 2 + (ceiling / 2) * this.#o.random());
	}
}

function uploadFields(input: UploadFields): Record<string, unknown> {
	return {
		meta: input.meta,
		requireSignedURLs: input.requireSignedURLs,
		watermark: input.watermarkUid ? { uid: input.watermarkUid } : undefined,
		thumbnailTimestampPct: input.thumbnailTimestampPct,
	};
}

function checkUid(uid: string): string {
	if (!STREAM_UID.test(uid)) throw new StreamApiError('invalid', `not a Stream uid: ${JSON.stringify(uid)}`);
	return uid;
}

function parse<S extends z.ZodType>(method: string, path: string, status: number, text: string, schema: S): z.output<S> {
	const envelope = envelopeSchema.safeParse(parseJson(text));
	if (!envelope.success) throw new StreamApiError('malformed', `${method} ${path}: not an API envelope: ${z.prettifyError(envelope.error)}`, status);
	if (!envelope.data.success) throw new StreamApiError('api', `${method} ${path}: ${describe(envelope.data.errors)}`, status, envelope.data.errors);
	const result = schema.safeParse(envelope.data.result);
	if (!result.success) throw new StreamApiError('malformed', `${method} ${path}: unexpected result: ${z.prettifyError(result.error)}`, status);
	return result.data;
}

/** The error a non-2xx answer means, with Cloudflare's error codes when the body has them. */
function failure(method: string, path: string, status: number, text: string, retryAfter?: number): StreamApiError {
	const envelope = envelopeSchema.safeParse(parseJson(text));
	const errors = envelope.success ? envelope.data.errors : [];
	const detail = errors.length ? describe(errors) : text.slice(0, 200);
	const kind = status === 429 ? 'rate_limited' : 'api';
	return new StreamApiError(kind, `${method} ${path}: HTTP ${status}${detail ? `: ${detail}` : ''}`, status, errors, retryAfter);
}

function describe(errors: { code: number; message: string }[]): string {
	return errors.map((e) => `${e.code} ${e.message}`).join('; ') || 'no error given';
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
