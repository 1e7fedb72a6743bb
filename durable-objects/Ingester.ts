import { DurableObject } from 'cloudflare:workers';
import type { Mirror } from './Mirror.ts';
import { migrate } from './migrate.ts';
import { readConfig } from '../worker/config.ts';
import { createIdentity } from '../worker/identity/index.ts';
import { backoffMs } from '../worker/backoff.ts';
import { applyEvents, applyIsolatingPoison, oneAtATime, refusalLog, type ApplyOptions, type ApplyResult, type DerivedWork, type FeedChange } from '../worker/ingest/apply.ts';
import { signedCommits, unprovenSource, type Authenticator } from '../worker/ingest/authenticity.ts';
import { FanoutQueue } from '../worker/feeds/fanout-queue.ts';
import type { ActorSync } from '../worker/ingest/backfill.ts';
import type { NetworkEvent } from '../worker/ingest/events.ts';
import { expiringConsentNotices } from '../worker/ingest/notify.ts';
import { sourceFor, type Source } from '../worker/ingest/source.ts';
import { WORK_QUEUE_SCHEMA } from '../worker/work-queue.ts';
import { AccountWork } from '../worker/ingest/account-work.ts';
import { likenessKit, type LikenessKit } from '../worker/likeness/kit.ts';
import { consentsChanged } from '../worker/likeness/revocations.ts';
import { peopleFrom, peopleWhoMatterQuery } from '../worker/ingest/people-who-matter.ts';
import { indexDatabase } from '../worker/db/index-database.ts';

/** Re-armed this often: an object holding only an outbound socket is otherwise evicted. */
const HEARTBEAT_MS = 10_000;
const BATCH_SIZE = 500;
/** Past this many undecided events the socket is dropped and re-opened from the cursor later. */
const MAX_QUEUE = 20_000;
const RECONNECT_BACKOFF = { baseMs: 1000, maxMs: 60_000 };
/** Consents that time brought within their notice period are looked for this often (the notice gives days). */
const CONSENT_SWEEP_MS = 10 * 60_000;

export interface IngesterStatus {
	source: Source['kind'];
	connected: boolean;
	cursor: number | null;
	applied: number;
	rejected: number;
	stale: number;
	pendingAccounts: number;
	/** Grants and reactivations waiting for their proof from the owner's PDS. */
	pendingProofs: number;
	/** Timeline changes not yet pushed to followers. */
	fanoutPending: number;
	/** Timeline changes set aside after failing too often (kept in the object for operators). */
	fanoutFailed: number;
	lastError: string | null;
}

/** Numbered: append, never edit (see ./migrate.ts). */
const SCHEMA = [
	`CREATE TABLE state (key TEXT PRIMARY KEY, value)`,
	// Accounts to resolve (and, with backfill = 1, whose repos to read), retried with backoff.
	// `generation` moves when news arrives mid-sync, so that sync does not clear the newer request.
	`CREATE TABLE pending (did TEXT PRIMARY KEY, backfill INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
	   next_at INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 0)`,
	// Timeline changes still to push to followers (worker/feeds/fanout-queue.ts); kept until done so none is lost.
	`CREATE TABLE fanout (id INTEGER PRIMARY KEY AUTOINCREMENT, change TEXT NOT NULL)`,
	// `key`: changes with the same key (one clip, one follow pair) apply in stream order.
	// `after`: the last follower pushed to. `next_at`: when it may run (backoff, and round robin between steps).
	`ALTER TABLE fanout ADD COLUMN key TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE fanout ADD COLUMN after TEXT`,
	`ALTER TABLE fanout ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE fanout ADD COLUMN next_at INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE fanout ADD COLUMN last_error TEXT`,
	`CREATE INDEX fanout_by_key ON fanout (key, id)`,
	`CREATE INDEX fanout_by_due ON fanout (next_at, id)`,
	`CREATE TABLE fanout_failed (id INTEGER PRIMARY KEY, change TEXT NOT NULL, error TEXT NOT NULL, failed_at INTEGER NOT NULL)`,
	// One work queue (worker/work-queue.ts) takes over the three tables above, with what they held.
	...WORK_QUEUE_SCHEMA,
	`INSERT INTO work (queue, key, payload, attempts, next_at, progress, last_error)
	   SELECT 'fanout', key, change, attempts, next_at, after, last_error FROM fanout ORDER BY id`,
	`INSERT INTO work (queue, key, payload, attempts, next_at, last_error, set_aside)
	   SELECT 'fanout', '', change, 0, 0, error, 1 FROM fanout_failed`,
	`INSERT INTO work (queue, key, payload, attempts, next_at)
	   SELECT 'accounts', did, json_object('backfill', json(CASE backfill WHEN 1 THEN 'true' ELSE 'false' END)), attempts, next_at FROM pending`,
	`DROP TABLE fanout`,
	`DROP TABLE fanout_failed`,
	`DROP TABLE pending`,
	// Outbox rows (D1, see migration 0007) whose work is in the queues above; deleted from both later.
	`CREATE TABLE settled (id INTEGER PRIMARY KEY)`,
];

/**
 * The index's one writer: holds the subscription to the network stream, applies it to D1 in
 * batches, persists the cursor after each batch, and brings newly seen accounts in.
 * Restarts resume from the cursor; the heartbeat alarm reconnects with backoff.
 */
export class Ingester extends DurableObject<Env> {
	readonly #source: Source;
	readonly #sync: ActorSync;
	readonly #fanout: FanoutQueue;
	readonly #mirror: () => DurableObjectStub<Mirror>;
	#likenessKit: Promise<LikenessKit | undefined> | undefined;
	readonly #authenticate: Authenticator;
	/** Accounts to resolve and backfill, and proofs to fetch, off the stream's path. */
	readonly #accountWork: AccountWork;
	/** The stream's refused records and events, told at most every 10 s (and on each heartbeat). */
	readonly #refusals = refusalLog();
	#socket: WebSocket | undefined;
	#queue: NetworkEvent[] = [];
	#draining = false;
	/** Writes to the index, and clearing the outbox, run one at a time (see oneAtATime). */
	readonly #exclusive = oneAtATime();
	/** Whether the outbox may hold work no one handed on (a crash, or a write that failed after committing). */
	#orphans = true;
	readonly #db: D1Database;
	#failures = 0;
	#reconnectAt = 0;
	#consentSweepAt = 0;
	/** Set when the socket was closed for falling behind (see #fallBehind). */
	#resumeWhenDrained = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const config = readConfig(env);
		this.#db = indexDatabase(env);
		const identity = createIdentity(config, this.#db, { remember: true });
		this.#source = sourceFor(config.firehoseUrl);
		this.#sync = {
			db: this.#db,
			identity,
			allowLoopbackFetch: config.allowLoopbackFetch,
			apply: (events, options) => this.#write(events, { actors: identity.actors, ...options }),
		};
		const timeline = (viewer: string) => env.TIMELINE.getByName(viewer);
		this.#fanout = new FanoutQueue(ctx.storage.sql, { db: this.#db, timeline, maxFollowers: config.fanoutMaxFollowers });
		this.#mirror = () => env.MIRROR.getByName('videos');
		this.#authenticate = this.#source.kind === 'jetstream' ? unprovenSource : signedCommits(identity.dids, this.#source.pdsUrl);
		this.#accountWork = new AccountWork(ctx.storage.sql, this.#sync);
		ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql, SCHEMA));
	}

	/** Starts (or keeps) ingesting; safe to call any number of times. */
	async start(): Promise<IngesterStatus> {
		if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_MS);
		this.#connect();
		return this.status();
	}

	/** Brings an account the stream has not shown yet into the index (a viewer's first visit). */
	async discover(did: string): Promise<void> {
		await this.#sync.db.prepare('INSERT OR IGNORE INTO actors (did, indexed_at) VALUES (?1, ?2)').bind(did, new Date().toISOString()).run();
		this.#accountWork.addAccounts([did], true);
		void this.#accountWork.run();
	}

	status(): IngesterStatus {
		const fanout = this.#fanout.counts();
		return {
			source: this.#source.kind,
			connected: this.#socket?.readyState === WebSocket.OPEN,
			cursor: this.#get<number>('cursor') ?? null,
			applied: this.#get<number>('applied') ?? 0,
			rejected: this.#get<number>('rejected') ?? 0,
			stale: this.#get<number>('stale') ?? 0,
			...this.#accountWork.counts(),
			fanoutPending: fanout.pending,
			fanoutFailed: fanout.failed,
			lastError: this.#get<string>('lastError') ?? null,
		};
	}

	override async alarm(): Promise<void> {
		await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_MS);
		if (!this.#socket && Date.now() >= this.#reconnectAt) this.#connect();
		this.#refusals.flush();
		this.#accountWork.heartbeat();
		void this.#fanout.drain();
		void this.#exclusive(() => this.#clearOutbox()).catch((error: unknown) => console.warn('clearing the outbox failed:', String(error)));
		if (Date.now() >= this.#consentSweepAt) {
			this.#consentSweepAt = Date.now() + CONSENT_SWEEP_MS;
			void expiringConsentNotices(this.#db, new Date().toISOString())
				.run()
				.catch((error: unknown) => console.warn('noticing expiring consents failed:', String(error)));
		}
	}

	#connect(): void {
		if (this.#socket) return;
		const socket = new WebSocket(this.#source.url(this.#get<number>('cursor')));
		socket.binaryType = 'arraybuffer';
		socket.addEventListener('message', (event) => this.#receive(socket, event.data as ArrayBuffer | string));
		socket.addEventListener('close', (event) => this.#disconnected(socket, `closed ${event.code} ${event.reason}`));
		socket.addEventListener('error', () => this.#disconnected(socket, 'socket error'));
		this.#socket = socket;
	}

	/** A failure: the heartbeat reconnects once the backoff has passed. */
	#disconnected(socket: WebSocket, reason: string): void {
		if (this.#socket !== socket) return;
		this.#failures++;
		this.#reconnectAt = Date.now() + backoffMs(this.#failures, RECONNECT_BACKOFF);
		this.#drop(socket, reason);
	}

	#drop(socket: WebSocket, reason: string): void {
		this.#socket = undefined;
		this.#set('lastError', `${new Date().toISOString()} ${reason}`);
		try {
			socket.close();
		} catch {
			// already closed
		}
	}

	#receive(socket: WebSocket, data: ArrayBuffer | string): void {
		// A dropped socket still hands over what it had read; the cursor re-reads it in order on the next.
		if (socket !== this.#socket) return;
		const decoded = this.#source.decode(data);
		if ('fatal' in decoded) return this.#disconnected(socket, decoded.fatal);
		this.#failures = 0;
		if ('rejected' in decoded) {
			// Kept with its reason in the same write as its neighbours, and skipped: it cannot stall the stream.
			const { rejected: reason, cursor = this.#lastCursor(), did } = decoded;
			this.#queue.push({ kind: 'rejected', cursor, reason, ...(did ? { did } : {}) });
		} else {
			this.#queue.push(...decoded.events);
		}
		if (this.#queue.length > MAX_QUEUE) this.#fallBehind(socket);
		void this.#drain();
	}

	/**
	 * Too far behind to hold more: stop reading, and read on from the cursor as soon as the queue is
	 * written, so a catch-up runs at the speed of writing rather than of the heartbeat. Not a failure.
	 */
	#fallBehind(socket: WebSocket): void {
		this.#resumeWhenDrained = true;
		this.#drop(socket, 'falling behind; resuming from the cursor once written');
	}

	/** Where the stream stands: the newest event waiting, else the saved cursor. */
	#lastCursor(): number {
		return this.#queue.at(-1)?.cursor ?? this.#get<number>('cursor') ?? 0;
	}

	/** One batch at a time, in stream order; the cursor moves only after its batch is in D1. */
	async #drain(): Promise<void> {
		if (this.#draining) return;
		this.#draining = true;
		try {
			while (this.#queue.length > 0) {
				const batch = this.#queue.slice(0, BATCH_SIZE);
				const result = await applyIsolatingPoison((events) => this.#sync.apply(events, { authenticate: this.#authenticate, refusalLog: this.#refusals }), batch);
				this.#record(result, batch.at(-1)!.cursor);
				this.#queue.splice(0, batch.length);
			}
			if (this.#resumeWhenDrained && !this.#socket) this.#connect();
			this.#resumeWhenDrained = false;
		} catch (error) {
			// D1 unavailable or a bug in every event: drop the socket, keep the cursor, retry from it.
			console.error('applying a batch failed', error);
			this.#queue = [];
			this.#resumeWhenDrained = false;
			if (this.#socket) this.#disconnected(this.#socket, `apply failed: ${String(error)}`);
		} finally {
			this.#draining = false;
		}
	}

	/** A batch is written and what it implies handed on (see #write): the cursor moves past it. */
	#record(result: ApplyResult, cursor: number): void {
		this.ctx.storage.transactionSync(() => {
			this.#set('cursor', cursor);
			this.#add('applied', result.applied);
			this.#add('rejected', result.rejected);
			this.#add('stale', result.stale);
		});
	}

	/**
	 * Every write to the index: one at a time, each written with its outbox row (applyEvents) and then
	 * settled. Work a crash or a failure left in the outbox is settled first, so it keeps its place in
	 * line ahead of anything newer (a follow before its unfollow).
	 */
	#write(events: NetworkEvent[], options: ApplyOptions): Promise<ApplyResult> {
		return this.#exclusive(async () => {
			if (this.#orphans) await this.#settleOrphans();
			try {
				const result = await applyEvents(this.#db, events, { ...options, readAfter: (work) => this.#settleReads(work) });
				// The write dropped their cached documents; the memory goes too, before any refresh can run.
				for (const event of events) if (event.kind === 'identity') this.#sync.identity.dids.forget(event.did);
				if (result.outbox !== undefined) await this.#settle(result.outbox, result, result.readAfter);
				return result;
			} catch (error) {
				// The write may have committed before the failure: its outbox row is settled before the next.
				this.#orphans = true;
				throw error;
			}
		});
	}

	/**
	 * Hands an outbox row's work on: videos to the mirror's queue (its own storage) first, then in one
	 * transaction of this object the accounts, proofs and timeline changes, with the row marked settled.
	 * `reads` are #settleReads' results when they came with the write; a row left over is read anew.
	 */
	async #settle(outbox: number, work: DerivedWork, reads?: D1Result[]): Promise<void> {
		const [peopleRows, feedRows] = reads ?? (await this.#db.batch(this.#settleReads(work)));
		// Left unsettled, the row is handed on again from the outbox (#settleOrphans).
		if (!peopleRows || !feedRows) throw new Error(`outbox row ${outbox}: its hand-off reads came back incomplete`);
		const people = peopleFrom(peopleRows);
		const feed = this.#fanout.worthPushing(work.feed, feedRows);
		// Independent of each other; both must succeed before the row counts as settled.
		await Promise.all([this.#handOffVideos({ ...work, people }), this.#likenesses(people)]);
		this.ctx.storage.transactionSync(() => {
			this.#accountWork.addAccounts(work.discovered, true);
			this.#accountWork.addAccounts(work.refresh, false);
			this.#accountWork.addProofs(work.proofs);
			this.#queueFeedChanges(feed);
			this.ctx.storage.sql.exec('INSERT OR IGNORE INTO settled (id) VALUES (?)', outbox);
		});
		if (work.discovered.length + work.refresh.length + work.proofs.length > 0) void this.#accountWork.run();
	}

	/** What #settle reads, as statements that can ride in the write's own batch (ApplyOptions.readAfter). */
	#settleReads(work: DerivedWork): D1PreparedStatement[] {
		return [peopleWhoMatterQuery(this.#db, work.people), this.#fanout.worthPushingQuery(work.feed)];
	}

	async #settleOrphans(): Promise<void> {
		const settled = this.ctx.storage.sql.exec<{ id: number }>('SELECT id FROM settled').toArray().map((row) => row.id);
		const { results } = await this.#db.prepare('SELECT id, work FROM outbox WHERE id NOT IN (SELECT value FROM json_each(?1)) ORDER BY id')
			.bind(JSON.stringify(settled))
			.all<{ id: number; work: string }>();
		for (const { id, work } of results) await this.#settle(id, JSON.parse(work) as DerivedWork);
		this.#orphans = false;
	}

	/** Settled rows leave the outbox (and then this object's list of them). */
	async #clearOutbox(): Promise<void> {
		const ids = this.ctx.storage.sql.exec<{ id: number }>('SELECT id FROM settled ORDER BY id LIMIT 1000').toArray().map((row) => row.id);
		if (ids.length === 0) return;
		await this.#db.prepare('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(ids)).run();
		this.ctx.storage.sql.exec('DELETE FROM settled WHERE id <= ?', ids.at(-1)!);
	}

	/** Into the mirror's own durable queue; a failure is thrown, so the work is not marked settled. */
	async #handOffVideos({ videos, people, clips }: Pick<DerivedWork, 'videos' | 'people' | 'clips'>): Promise<void> {
		if (videos.length === 0 && people.length === 0 && clips.length === 0) return;
		await this.#mirror().handOff({ videos, people: [...new Set(people)], clips: [...new Set(clips)] });
	}

	/** Consents changed: stored likenesses they stopped naming are deleted, jobs featuring these people re-checked. */
	async #likenesses(people: string[]): Promise<void> {
		if (people.length === 0) return;
		this.#likenessKit ??= likenessKit(this.env);
		const store = (await this.#likenessKit)?.store;
		await consentsChanged(this.#db, store, (id) => this.env.GENERATION_JOB.getByName(id), people, new Date());
	}

	#queueFeedChanges(changes: FeedChange[]): void {
		this.#fanout.push(changes);
		if (changes.length > 0) void this.#fanout.drain();
	}

	#get<T extends SqlStorageValue>(key: string): T | undefined {
		return this.ctx.storage.sql.exec<{ value: T }>('SELECT value FROM state WHERE key = ?', key).toArray()[0]?.value;
	}

	#set(key: string, value: string | number): void {
		this.ctx.storage.sql.exec('INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)', key, value);
	}

	#add(key: string, amount: number): void {
		if (amount !== 0) this.#set(key, (this.#get<number>(key) ?? 0) + amount);
	}
}
