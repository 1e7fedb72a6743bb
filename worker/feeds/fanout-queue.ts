import type { FeedChange } from '../ingest/apply.ts';
import { fanOutStep, type FanoutDeps } from './fanout.ts';

/** A change that keeps failing is set aside after this many attempts, so it blocks nothing. */
export const MAX_FANOUT_ATTEMPTS = 10;
const MAX_BACKOFF_MS = 600_000;

interface Row extends Record<string, SqlStorageValue> {
	id: number;
	change: string;
	after: string | null;
	attempts: number;
}

/**
 * The durable queue of timeline changes still to push to followers, in a Durable Object's SQLite
 * (tables `fanout` and `fanout_failed`, created by its owner's schema: durable-objects/Ingester.ts).
 * A change is worked through a page of followers at a time with its progress saved, so a crash or
 * a failure resumes where it stopped rather than from the first follower; a failing change backs
 * off and never holds up unrelated ones; changes to the same clip or follow keep stream order.
 */
export class FanoutQueue {
	#draining = false;

	constructor(
		private readonly sql: SqlStorage,
		private readonly deps: FanoutDeps,
		private readonly now: () => number = Date.now,
	) {}

	push(changes: FeedChange[]): void {
		for (const change of changes) {
			this.sql.exec('INSERT INTO fanout (change, key, next_at) VALUES (?, ?, ?)', JSON.stringify(change), keyOf(change), this.now());
		}
	}

	counts(): { pending: number; failed: number } {
		return this.sql
			.exec<{ pending: number; failed: number }>('SELECT (SELECT COUNT(*) FROM fanout) AS pending, (SELECT COUNT(*) FROM fanout_failed) AS failed')
			.one();
	}

	/** Works until nothing is due. One drain at a time; a later call while one runs returns at once. */
	async drain(): Promise<void> {
		if (this.#draining) return;
		this.#draining = true;
		try {
			for (let row = this.#nextDue(); row; row = this.#nextDue()) await this.#step(row);
		} finally {
			this.#draining = false;
		}
	}

	/** The earliest due change that no earlier change with the same key is waiting in front of. */
	#nextDue(): Row | undefined {
		return this.sql
			.exec<Row>(
				`SELECT id, change, after, attempts FROM fanout f
				 WHERE next_at <= ?1 AND NOT EXISTS (SELECT 1 FROM fanout e WHERE e.key = f.key AND e.id < f.id)
				 ORDER BY next_at, id LIMIT 1`,
				this.now(),
			)
			.toArray()[0];
	}

	async #step(row: Row): Promise<void> {
		try {
			const progress = await fanOutStep(this.deps, JSON.parse(row.change) as FeedChange, row.after ?? undefined);
			if (progress.done) this.sql.exec('DELETE FROM fanout WHERE id = ?', row.id);
			// Behind whatever else is due, so one creator's many followers do not starve other changes.
			else this.sql.exec('UPDATE fanout SET after = ?, attempts = 0, next_at = ? WHERE id = ?', progress.after, this.now(), row.id);
		} catch (error) {
			this.#failed(row, String(error));
		}
	}

	#failed(row: Row, error: string): void {
		console.warn(`fan-out of change ${row.id} failed (attempt ${row.attempts + 1}):`, error);
		if (row.attempts + 1 >= MAX_FANOUT_ATTEMPTS) {
			this.sql.exec('INSERT INTO fanout_failed (id, change, error, failed_at) VALUES (?, ?, ?, ?)', row.id, row.change, error, this.now());
			this.sql.exec('DELETE FROM fanout WHERE id = ?', row.id);
			return;
		}
		const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts);
		this.sql.exec(
			'UPDATE fanout SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?',
			this.now() + backoff,
			error.slice(0, 500),
			row.id,
		);
	}
}

function keyOf(change: FeedChange): string {
	return change.kind === 'post' || change.kind === 'unpost' ? change.uri : `${change.follower} ${change.subject}`;
}
