import { FailureLog } from '../warn-many.ts';
import { Revival } from '../revival.ts';
import { WorkQueue, type QueuePolicy, type WorkItem } from '../work-queue.ts';
import type { ProofRequest } from './apply.ts';
import { backfillRepo, refreshActor, type ActorSync } from './backfill.ts';
import { prove } from './proofs.ts';

/** Each waits on someone else's PDS or directory. */
const POLICY: QueuePolicy = { maxAttempts: 8, baseMs: 2000, maxMs: 3_600_000, slowRetryMs: 24 * 3_600_000, revivals: 24 };
/** Set-aside items are revived at most this often, once others succeed again (worker/revival.ts). */
const REVIVAL_MS = 5 * 60_000;
const CONCURRENCY = 4;

type AccountSync = { backfill: boolean };

/**
 * The Ingester's work off the stream's path: accounts to resolve (and, with `backfill`, whose repos to
 * read), and proofs to fetch from owners' PDSs. Kept in the Ingester's SQLite (worker/work-queue.ts), so
 * work queued in the same transaction as what implies it is never lost; a few items run at a time, and
 * failures back off on their queue.
 */
export class AccountWork {
	readonly #accounts: WorkQueue<AccountSync>;
	readonly #proofs: WorkQueue<ProofRequest>;
	readonly #revival: Revival;
	#running = false;

	constructor(
		sql: SqlStorage,
		private readonly sync: ActorSync,
	) {
		this.#accounts = new WorkQueue(sql, 'accounts', POLICY);
		this.#proofs = new WorkQueue(sql, 'proofs', POLICY);
		this.#revival = new Revival([this.#accounts, this.#proofs], REVIVAL_MS);
	}

	addAccounts(dids: string[], backfill: boolean): void {
		this.#accounts.addAll(
			dids.map((did) => [did, { backfill }]),
			{ coalesce: (old, added) => ({ backfill: old.backfill || added.backfill }) },
		);
	}

	addProofs(requests: ProofRequest[]): void {
		this.#proofs.addAll(
			requests.map((request) => [request.kind === 'record' ? request.uri : request.did, request]),
			{ coalesce: (_old, request) => request },
		);
	}

	counts(): { pendingAccounts: number; pendingProofs: number } {
		return { pendingAccounts: this.#accounts.counts().pending, pendingProofs: this.#proofs.counts().pending };
	}

	/** The Ingester's heartbeat: what is due runs, and one set-aside item per queue is tried again. */
	heartbeat(): void {
		this.#revival.probe();
		void this.run();
	}

	/** Runs what is due until nothing is; safe to call at any time (one run at a time). */
	async run(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		const failures = new FailureLog('account or proof work failed');
		try {
			for (;;) {
				const accounts = this.#accounts.due(CONCURRENCY);
				const proofs = this.#proofs.due(CONCURRENCY);
				if (accounts.length + proofs.length === 0) return;
				await Promise.all([
					...accounts.map((item) => this.#attempt(this.#accounts, item, failures, () => this.#syncAccount(item.key, item.payload))),
					...proofs.map((item) => this.#attempt(this.#proofs, item, failures, () => prove(this.sync, item.payload))),
				]);
			}
		} finally {
			this.#running = false;
			failures.flush();
		}
	}

	/** One item (what its writes imply is settled by the Ingester's write); a failure backs off on its queue. */
	async #attempt<P>(queue: WorkQueue<P>, item: WorkItem<P>, failures: FailureLog, run: () => Promise<unknown>): Promise<void> {
		try {
			await run();
			queue.done(item);
			this.#revival.succeeded();
		} catch (error) {
			failures.add(`${item.key} (attempt ${item.attempts + 1}): ${String(error)}`);
			queue.failed(item, String(error));
		}
	}

	async #syncAccount(did: string, { backfill }: AccountSync): Promise<void> {
		await (backfill ? backfillRepo(this.sync, did) : refreshActor(this.sync, did));
	}
}
