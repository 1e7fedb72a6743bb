import type { Job, JobStatus } from '../worker/jobs/job.ts';
import { migrate } from './migrate.ts';

const SCHEMA = [
	// One row: the job. `status` is a column of its own so that every write can be conditional on it.
	`CREATE TABLE job (id TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL)`,
	// Webhook deliveries already acted on, until a replay of them would be refused as stale anyway.
	`CREATE TABLE deliveries (id TEXT PRIMARY KEY, until INTEGER NOT NULL)`,
];

/**
 * A job's durable state in its object's SQLite. Writes are compare-and-set on the status: a step
 * that awaited a provider while the job was cancelled finds its write refused instead of undoing
 * the cancel. The schema is created with the job, so looking up an id that names no job (a typo,
 * a guess) leaves no object behind.
 */
export class JobStore {
	readonly #sql: SqlStorage;
	#ready = false;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
		const exists = sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`).toArray().length > 0;
		if (exists) this.#migrate();
	}

	get(): Job | undefined {
		if (!this.#ready) return undefined;
		const row = this.#sql.exec<{ body: string }>('SELECT body FROM job LIMIT 1').toArray()[0];
		return row ? (JSON.parse(row.body) as Job) : undefined;
	}

	/** false when the object already holds a job. */
	insert(job: Job): boolean {
		if (!this.#ready) this.#migrate();
		return this.#sql.exec('INSERT OR IGNORE INTO job (id, status, body) VALUES (?, ?, ?)', job.id, job.status, JSON.stringify(job)).rowsWritten > 0;
	}

	/** Writes `next` only if the job is still in status `expected`. */
	replace(expected: JobStatus, next: Job): boolean {
		if (!this.#ready) return false;
		const cursor = this.#sql.exec('UPDATE job SET status = ?, body = ? WHERE id = ? AND status = ?', next.status, JSON.stringify(next), next.id, expected);
		return cursor.rowsWritten > 0;
	}

	/** true the first time a delivery is seen; false for a replay within `ttlMs`. */
	claimDelivery(id: string, now: number, ttlMs: number): boolean {
		if (!this.#ready) return false;
		this.#sql.exec('DELETE FROM deliveries WHERE until < ?', now);
		return this.#sql.exec('INSERT OR IGNORE INTO deliveries (id, until) VALUES (?, ?)', id, now + ttlMs).rowsWritten > 0;
	}

	#migrate(): void {
		migrate(this.#sql, SCHEMA);
		this.#ready = true;
	}
}
