import { backoffMs, type BackoffPolicy } from '../backoff.ts';
import { ProviderError, RateLimited } from '../providers/errors.ts';
import { VideoHostError } from '../video/host.ts';

/** A step failed for a reason of our own; `retryable` as for ProviderError. */
export class JobError extends Error {
	override readonly name = 'JobError';
	constructor(
		message: string,
		readonly retryable: boolean,
	) {
		super(message);
	}
}

/** Tries of one step before the job fails; rate limits wait as long as they are told, up to the deadline. */
export const MAX_ATTEMPTS = 6;
export const STEP_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60_000 };

export type Verdict = { retryInMs: number } | { fail: string };

/**
 * What to do after a step threw, given how many tries already failed. Unknown errors (D1, R2,
 * the runtime) are retried: giving up on a paid generation for a blip would be the worse mistake.
 */
export function verdictFor(error: unknown, attempts: number, random: () => number = Math.random): Verdict {
	if (error instanceof RateLimited) return { retryInMs: error.retryAfterMs };
	const retryable = error instanceof ProviderError || error instanceof VideoHostError || error instanceof JobError ? error.retryable : true;
	const reason = error instanceof Error ? error.message : String(error);
	if (!retryable) return { fail: reason };
	if (attempts + 1 >= MAX_ATTEMPTS) return { fail: `gave up after ${attempts + 1} tries: ${reason}` };
	return { retryInMs: backoffMs(attempts, STEP_BACKOFF, random) };
}
