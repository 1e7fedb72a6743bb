import type { Job } from './job.ts';

/**
 * Tells a job's requester it ended, as a row beside the index's own notifications
 * (worker/ingest/notify.ts). The row's key is the job, so a retried cleanup tells them once.
 */
export async function notifyJobEnded(db: D1Database, job: Job, now: number): Promise<void> {
	const status = job.status === 'ready' ? 'ready' : 'failed';
	const detail = { job: { id: job.id, status, ...(job.error ? { error: job.error.slice(0, 1000) } : {}) } };
	await db
		.prepare(
			`INSERT OR IGNORE INTO notifications (recipient, reason, author, uri, indexed_at, detail)
			 VALUES (?1, 'jobFinished', ?1, ?2, ?3, ?4)`,
		)
		.bind(job.requester, `job:${job.id}`, new Date(now).toISOString(), JSON.stringify(detail))
		.run();
}
