import type { Job, JobStatus } from './job.ts';
import { verdictFor } from './retry.ts';

/** What a step decided. `after` is the wait before the next step (0: go on at once). */
export type StepOutcome =
	| { to: JobStatus; progress?: number; patch?: Partial<Job>; after: number }
	| { fail: string; cancelProvider?: boolean }
	| { cancelled: string }
	| { error: unknown };

/** Progress by stage; rendering spreads the provider's own percentage over 10–90. */
export const PROGRESS = { queued: 0, consent_checked: 5, submitted: 10, stored: 95, ready: 100 } as const;

export function renderProgress(providerPercent: number | undefined, previous: number): number {
	if (providerPercent === undefined) return Math.max(previous, PROGRESS.submitted);
	return Math.max(previous, PROGRESS.submitted + Math.round(Math.min(100, Math.max(0, providerPercent)) * 0.8));
}

/** The job after an outcome, and when its next step is due (undefined once it has ended). */
export function advance(job: Job, outcome: StepOutcome, now: number): { job: Job; after?: number } {
	if ('to' in outcome) {
		const moved = outcome.to !== job.status;
		const next: Job = {
			...job,
			...outcome.patch,
			status: outcome.to,
			progress: outcome.progress ?? job.progress,
			attempts: moved ? 0 : job.attempts,
			updatedAt: now,
		};
		if (outcome.to === 'ready') return { job: { ...next, finishedAt: now, cleanup: { ...next.cleanup, quota: true, notify: true } } };
		return { job: next, after: outcome.after };
	}
	if ('fail' in outcome) return { job: finish(job, 'failed', outcome.fail, now, outcome.cancelProvider ?? false) };
	if ('cancelled' in outcome) return { job: finish(job, 'cancelled', outcome.cancelled, now, false) };
	const verdict = verdictFor(outcome.error, job.attempts);
	// Given up while the provider may still be rendering (and billing): cancel it there too.
	if ('fail' in verdict) return { job: finish(job, 'failed', verdict.fail, now, true) };
	return { job: { ...job, attempts: job.attempts + 1, updatedAt: now }, after: verdict.retryInMs };
}

/**
 * A job that ended without a video: the concurrency slot goes back, a provider job that may still
 * run (and bill) is cancelled, and anything stored is deleted.
 */
export function finish(job: Job, status: 'failed' | 'cancelled', reason: string, now: number, cancelProvider: boolean): Job {
	return {
		...job,
		status,
		error: reason,
		attempts: 0,
		updatedAt: now,
		finishedAt: now,
		cleanup: { quota: true, provider: cancelProvider && job.providerJob !== undefined, video: true, notify: status === 'failed' },
	};
}
