import type { CloudflareError } from './schemas.ts';

/**
 * - `api`: Stream answered with an error (`status`, Cloudflare `errors` codes);
 * - `rate_limited`: 429 still after retries, or a `retry-after` too long to wait here (`retryAfterMs`);
 * - `malformed`: a 2xx that breaks the documented contract: retrying will not help;
 * - `network`: no answer (DNS, reset, timeout);
 * - `invalid`: refused before any request (a bad uid).
 */
export type StreamErrorKind = 'api' | 'rate_limited' | 'malformed' | 'network' | 'invalid';

export class StreamApiError extends Error {
	override readonly name = 'StreamApiError';
	constructor(
		readonly kind: StreamErrorKind,
		message: string,
		readonly status?: number,
		readonly errors: CloudflareError[] = [],
		readonly retryAfterMs?: number,
	) {
		super(`stream: ${message}`);
	}

	/** Cloudflare's numeric error codes, e.g. 10000 for an authentication error. */
	get codes(): number[] {
		return this.errors.map((e) => e.code);
	}

	/** Whether the same call may succeed later. */
	get retryable(): boolean {
		return this.kind === 'rate_limited' || this.kind === 'network' || (this.kind === 'api' && (this.status ?? 0) >= 500);
	}
}

/** A 429 without `retry-after` still needs a pause. */
const DEFAULT_RETRY_AFTER_MS = 10_000;

/** `retry-after` is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number {
	if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER_MS;
	const seconds = Number(header);
	const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
	return Number.isFinite(ms) ? Math.max(0, Math.ceil(ms)) : DEFAULT_RETRY_AFTER_MS;
}
