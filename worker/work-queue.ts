import { backoffMs, type BackoffPolicy } from './backoff.ts';

/**
 * The one durable work queue of the project's Durable Objects (the Ingester's accounts, proofs and timeline
 * fan-out; the Mirror's copies), in the owning object's SQLite, so work recorded in the same step as
 * what implies it is never lost. Each item has a due time, attempts with backoff, saved progress for
 * paged work, and is set aside after too many failures — set aside, not dropped: it is tried again on
 * a slow schedule, sooner once what it waits on answers again (`revive`), or at once by `retrySetAside`.
 *
 * Items of one `key` run one at a time in the order added (one clip's post and unpost). With
 * `coalesce`, adding to a key that is waiting merges into that item instead (one video, one account).
 */
export const WORK_QUEUE_SCHEMA = [
	`CREATE TABLE work (id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL,
	   attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, progress TEXT, last_error TEXT,
	   set_aside INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 0)`,
	`CREATE INDEX work_by_key ON work (queue, key, id)`,
	`CREATE INDEX work_by_due ON work (queue, next_at, id)`,
];

export interface QueuePolicy extends BackoffPolicy {
	/** Failures in a row before an item is set aside. */
	maxAttempts: number;
	/** How often a set-aside item is tried again. */
	slowRetryMs: number;
	/** How many more failures a set-aside item may have and still be revived (see `revive`); none by default. */
	revivals?: number;
}

export interface WorkItem<P> {
	id: number;
	key: string;
	payload: P;
	attempts: number;
	progress: string | null;
	generation: number;
}

interface Row extends Record<string, SqlStorageValue> {
	id: number;
	key: string;
	payload: string;
	attempts: number;
	progress: string | null;
	generation: number;
}

export interface AddOptions<P> {
	at?: number;
	coalesce?: (old: P, added: P) => P;
	retry?: boolean;
}

export class WorkQueue<P> {
	constructor(
		private readonly sql: SqlStorage,
		private readonly queue: string,
		private readonly policy: QueuePolicy,
		private readonly now: () => number = Date.now,
	) {}

	/**
	 * Adds work, due at once (or at `at`). With `coalesce`, a waiting item of the same key takes the
	 * payload `coalesce(old, added)` returns, comes due no later than asked, and is marked changed, so a run
	 * already working on the old payload does not count as having done the new one. An item backing off
	 * after failures (or set aside) keeps its schedule: news about a video or an account does not make
	 * the server that keeps failing answer, and a stream must not be able to hammer it. `retry` is for
	 * callers with a reason to expect an answer now (a viewer waiting, a webhook saying it is ready):
	 * the item comes due as asked even then, and out of set-aside.
	 */
	add(key: string, payload: P, options: AddOptions<P> = {}): void {
		this.addAll([[key, payload]], options);
	}

	/** `add` for many items, in order, in at most three statements however many (a batch's accounts, a page's videos). */
	addAll(items: [key: string, payload: P][], { at = this.now(), coalesce, retry = false }: AddOptions<P> = {}): void {
		if (items.length === 0) return;
		if (!coalesce) return this.#insert(items, at);
		const keys = [...new Set(items.map(([key]) => key))];
		const waiting = new Map(
			this.sql
				.exec<Row>(
					'SELECT key, MAX(id) AS id, payload FROM work WHERE queue = ?1 AND key IN (SELECT value FROM json_each(?2)) GROUP BY key',
					this.queue,
					JSON.stringify(keys),
				)
				.toArray()
				.map((row) => [row.key, { id: row.id, payload: JSON.parse(row.payload) as P }]),
		);
		const merged = new Map<string, P>();
		for (const [key, payload] of items) {
			const old = merged.get(key) ?? waiting.get(key)?.payload;
			merged.set(key, old === undefined ? payload : coalesce(old, payload));
		}
		const updates = keys.filter((key) => waiting.has(key)).map((key) => [waiting.get(key)!.id, JSON.stringify(merged.get(key))]);
		if (updates.length > 0) {
			this.sql.exec(
				`UPDATE work SET payload = u.value ->> 1, next_at = IIF(attempts > 0 AND NOT ?2, next_at, MIN(next_at, ?3)),
				   set_aside = set_aside AND NOT ?2, generation = generation + 1
				 FROM json_each(?1) u WHERE work.id = u.value ->> 0`,
				JSON.stringify(updates),
				retry ? 1 : 0,
				at,
			);
		}
		this.#insert(
			keys.filter((key) => !waiting.has(key)).map((key) => [key, merged.get(key)!]),
			at,
		);
	}

	#insert(items: [key: string, payload: P][], at: number): void {
		if (items.length === 0) return;
		this.sql.exec(
			'INSERT INTO work (queue, key, payload, next_at) SELECT ?1, item.value ->> 0, item.value ->> 1, ?2 FROM json_each(?3) item ORDER BY item.key',
			this.queue,
			at,
			JSON.stringify(items.map(([key, payload]) => [key, JSON.stringify(payload)])),
		);
	}

	/** Items of these keys that are waiting or running are marked changed (see `add`); others stay absent. */
	changed(keys: string[]): void {
		if (keys.length === 0) return;
		this.sql.exec('UPDATE work SET generation = generation + 1 WHERE queue = ? AND key IN (SELECT value FROM json_each(?))', this.queue, JSON.stringify(keys));
	}

	/** Adds work unless an item of the same key is waiting: that one keeps its payload and its schedule. */
	ensure(key: string, payload: P): void {
		const waiting = this.sql.exec('SELECT 1 FROM work WHERE queue = ? AND key = ? LIMIT 1', this.queue, key).toArray().length > 0;
		if (!waiting) this.add(key, payload);
	}

	/** Up to `limit` items due now, each the first of its key. */
	due(limit: number): WorkItem<P>[] {
		return this.sql
			.exec<Row>(
				`SELECT id, key, payload, attempts, progress, generation FROM work w
				 WHERE queue = ?1 AND next_at <= ?2 AND NOT EXISTS (SELECT 1 FROM work e WHERE e.queue = w.queue AND e.key = w.key AND e.id < w.id)
				 ORDER BY next_at, id LIMIT ?3`,
				this.queue,
				this.now(),
				limit,
			)
			.toArray()
			.map((row) => ({ ...row, payload: JSON.parse(row.payload) as P }));
	}

	/** Done: removed, unless more was added to it meanwhile (then it runs again). */
	done(item: WorkItem<P>): void {
		if (this.sql.exec('DELETE FROM work WHERE id = ? AND generation = ?', item.id, item.generation).rowsWritten > 0) return;
		this.sql.exec('UPDATE work SET attempts = 0, progress = NULL, next_at = MIN(next_at, ?) WHERE id = ?', this.now(), item.id);
	}

	/** Part done: the progress is kept and the item goes behind whatever else is due. */
	progressed(item: WorkItem<P>, progress: string): void {
		this.sql.exec('UPDATE work SET progress = ?, attempts = 0, next_at = ? WHERE id = ?', progress, this.now(), item.id);
	}

	/**
	 * Failed: tried again after a backoff (at least `retryInMs`), or set aside once it has failed too
	 * often. Returns whether it was set aside just now, for callers that record that elsewhere.
	 */
	failed(item: WorkItem<P>, error: string, retryInMs = 0): boolean {
		const attempts = item.attempts + 1;
		const setAside = attempts >= this.policy.maxAttempts;
		const wait = setAside ? this.policy.slowRetryMs : Math.max(retryInMs, backoffMs(item.attempts, this.policy));
		this.sql.exec(
			'UPDATE work SET attempts = ?, next_at = ?, last_error = ?, set_aside = ? WHERE id = ?',
			attempts,
			this.now() + wait,
			error.slice(0, 500),
			setAside ? 1 : 0,
			item.id,
		);
		return setAside && item.attempts + 1 === this.policy.maxAttempts;
	}

	/** Set-aside items, due again now (an operator's retry). */
	retrySetAside(): number {
		return this.sql.exec('UPDATE work SET set_aside = 0, attempts = 0, next_at = ? WHERE queue = ? AND set_aside = 1', this.now(), this.queue).rowsWritten;
	}

	/**
	 * Set-aside items given one more chance now, as what they wait on seems to answer again: their failures
	 * are kept, so one more sets each aside again at once. Past `policy.revivals` more failures an item is
	 * left to the slow schedule (a server gone for good costs no more). `limit`: only the longest waiting.
	 */
	revive(limit = -1): void {
		this.sql.exec(
			`UPDATE work SET set_aside = 0, next_at = ?1 WHERE id IN (
			   SELECT id FROM work WHERE queue = ?2 AND set_aside = 1 AND attempts < ?3 ORDER BY next_at, id LIMIT ?4)`,
			this.now(),
			this.queue,
			this.policy.maxAttempts + (this.policy.revivals ?? 0),
			limit,
		);
	}

	counts(): { pending: number; setAside: number } {
		return this.sql
			.exec<{ pending: number; setAside: number }>(
				'SELECT COUNT(*) - COALESCE(SUM(set_aside), 0) AS pending, COALESCE(SUM(set_aside), 0) AS setAside FROM work WHERE queue = ?',
				this.queue,
			)
			.one();
	}

	/** When the next item comes due, if any. */
	nextDueAt(): number | undefined {
		return this.sql.exec<{ at: number | null }>('SELECT MIN(next_at) AS at FROM work WHERE queue = ?', this.queue).one().at ?? undefined;
	}
}
