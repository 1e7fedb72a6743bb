/** How long to wait after a failure: exponential in the failures so far, capped. */
export interface BackoffPolicy {
	baseMs: number;
	maxMs: number;
}

/**
 * The one backoff of the project (reconnects, queued work, job steps): `baseMs · 2^failures`, capped at
 * `maxMs`, with ±20 % jitter so that many things failing together do not retry in step.
 */
export function backoffMs(failures: number, { baseMs, maxMs }: BackoffPolicy, random: () => number = Math.random): number {
	const base = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
	return Math.round(base * (0.8 + 0.4 * random()));
}
