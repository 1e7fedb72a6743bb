import type { FeedChange } from '../ingest/apply.ts';
import { changesThatWriteFrom, changesThatWriteQuery, fanOutStep, PAGE_SIZE, type FanoutDeps } from './fanout.ts';
import { WorkQueue, type QueuePolicy, type WorkItem } from '../work-queue.ts';
import { FailureLog } from '../warn-many.ts';

/** A change that keeps failing is set aside after this many attempts, so it blocks nothing else. */
export const MAX_FANOUT_ATTEMPTS = 10;
/**
 * After every PAGE_SIZE or so timelines written, the queue rests as long as writing them took
 * (within these bounds): a fan-out to thousands of followers takes at most about half of the
 * worker's time, and reads keep their latency (bench/feeds, "Reads beside the fan-out").
 */
const MIN_REST_MS = 5;
const MAX_REST_MS = 1000;
const POLICY: QueuePolicy = { maxAttempts: MAX_FANOUT_ATTEMPTS, baseMs: 1000, maxMs: 600_000, slowRetryMs: 6 * 3_600_000 };

/**
 * Timeline changes still to push to followers, on the owning object's durable work queue
 * (durable-objects/work-queue.ts). A change is worked through a page of followers at a time with its
 * progress saved, so a crash or a failure resumes where it stopped rather than from the first
 * follower; a failing change backs off and never holds up unrelated ones; changes to the same clip or
 * follow keep stream order.
 */
export class FanoutQueue {
	readonly #work: WorkQueue<FeedChange>;
	#draining = false;

	constructor(
		sql: SqlStorage,
		private readonly deps: FanoutDeps,
		now: () => number = Date.now,
	) {
		this.#work = new WorkQueue(sql, 'fanout', POLICY, now);
	}

	/** Which of `changes` are worth queueing (see changesThatWriteQuery): the rest would write nothing. */
	worthPushingQuery(changes: FeedChange[]): D1PreparedStatement {
		return changesThatWriteQuery(this.deps, changes);
	}

	/** Of `changes`, those the rows of `worthPushingQuery` say are worth queueing. */
	worthPushing(changes: FeedChange[], rows: D1Result): FeedChange[] {
		return changesThatWriteFrom(rows, changes, this.deps.maxFollowers);
	}

	push(changes: FeedChange[]): void {
		this.#work.addAll(changes.map((change) => [keyOf(change), change]));
	}

	counts(): { pending: number; failed: number } {
		const { pending, setAside } = this.#work.counts();
		return { pending, failed: setAside };
	}

	/** Works until nothing is due. One drain at a time; a later call while one runs returns at once. */
	async drain(): Promise<void> {
		if (this.#draining) return;
		this.#draining = true;
		const failures = new FailureLog('fan-out failed');
		try {
			let written = 0;
			let busyMs = 0;
			for (let [item] = this.#work.due(1); item; [item] = this.#work.due(1)) {
				const started = Date.now();
				written += await this.#step(item, failures);
				busyMs += Date.now() - started;
				if (written < PAGE_SIZE) continue;
				// Rest as long as the writing took: reads waiting for the thread get at least half of it.
				await scheduler.wait(Math.min(MAX_REST_MS, Math.max(MIN_REST_MS, busyMs)));
				[written, busyMs] = [0, 0];
			}
		} finally {
			this.#draining = false;
			failures.flush();
		}
	}

	/** One step of one change; how many timelines it wrote. A failure is noted in `failures`. */
	async #step(item: WorkItem<FeedChange>, failures: FailureLog): Promise<number> {
		try {
			const progress = await fanOutStep(this.deps, item.payload, item.progress ?? undefined);
			if (progress.done) this.#work.done(item);
			// Behind whatever else is due, so one creator's many followers do not starve other changes.
			else this.#work.progressed(item, progress.after);
			return progress.written;
		} catch (error) {
			failures.add(`change ${item.id} (attempt ${item.attempts + 1}): ${String(error)}`);
			this.#work.failed(item, String(error));
			return 0;
		}
	}
}

function keyOf(change: FeedChange): string {
	return change.kind === 'post' || change.kind === 'unpost' ? change.uri : `${change.follower} ${change.subject}`;
}
