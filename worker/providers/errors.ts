import type { ProviderName } from './provider.ts';

/**
 * A call to a provider failed. `retryable` says whether the same call may succeed later
 * (network trouble, 5xx, 429) or never will (4xx: bad input, bad key, unknown job).
 */
export class ProviderError extends Error {
	override readonly name: string = 'ProviderError';
	constructor(
		readonly provider: ProviderName,
		message: string,
		readonly retryable: boolean,
		/** The HTTP status, when there was a response. */
		readonly status?: number,
	) {
		super(`${provider}: ${message}`);
	}
}

/** 429: wait `retryAfterMs` (from `retry-after`) before calling this provider again. */
export class RateLimited extends ProviderError {
	override readonly name = 'RateLimited';
	constructor(
		provider: ProviderName,
		readonly retryAfterMs: number,
	) {
		super(provider, `rate limited; retry after ${retryAfterMs} ms`, true, 429);
	}
}

/** A 2xx whose body does not match the documented contract: the API changed, retrying will not help. */
export class MalformedResponse extends ProviderError {
	override readonly name = 'MalformedResponse';
	constructor(
		provider: ProviderName,
		readonly issues: string,
		status?: number,
	) {
		super(provider, `malformed response: ${issues}`, false, status);
	}
}
