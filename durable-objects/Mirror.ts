import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../worker/config.ts';
import { mirrorVideo, SLOW_RETRY_MS, type MirrorDeps } from '../worker/mirror/mirror-video.ts';
import { videoHostOf } from '../worker/video/index.ts';
import { MAX_CHAIN, videoShown } from '../worker/views/visibility.ts';
import { WORK_QUEUE_SCHEMA, WorkQueue, type QueuePolicy, type WorkItem } from '../worker/work-queue.ts';
import { migrate } from './migrate.ts';
import { FailureLog } from '../worker/warn-many.ts';
import { indexDatabase } from '../worker/db/index-database.ts';

/** After 10 attempts a copy is marked failed, and still retried, slowly: a PDS or the host may mend. */
const POLICY: QueuePolicy = { maxAttempts: 10, baseMs: 1000, maxMs: SLOW_RETRY_MS, slowRetryMs: SLOW_RETRY_MS };
const CONCURRENCY = 4;
/** Clips indexed while a hand-off to this object was lost are found by this sweep. */
const SWEEP_MS = 5 * 60_000;

const SCHEMA = [
	// IF NOT EXISTS: objects made before the schema was numbered already have it.
	`CREATE TABLE IF NOT EXISTS tasks (cid TEXT PRIMARY KEY, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, reason TEXT)`,
	// The one work queue (worker/work-queue.ts) takes over, with what was waiting.
	...WORK_QUEUE_SCHEMA,
	`INSERT INTO work (queue, key, payload, attempts, next_at, last_error) SELECT 'videos', cid, json_quote(cid), attempts, next_at, reason FROM tasks`,
	`DROP TABLE tasks`,
];

/**
 * Copies clips' videos from their authors' PDSes to the video host (R2 or Stream), and re-applies
 * whether each copy may be public when consent or an account changes. Its durable work queue is
 * driven by alarms: every copy is retried with backoff until it is done, however long that takes.
 */
export class Mirror extends DurableObject<Env> {
	readonly #deps: MirrorDeps;
	/** Posters that could not be copied: a host or PDS outage fails them by the hundred. */
	readonly #posterFailures = new FailureLog('copying a poster failed');
	readonly #videos: WorkQueue<string>;
	#running = false;
	/** When this instance last swept: a sweep reads every clip, so not on every alarm an enqueue sets. */
	#sweptAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const config = readConfig(env);
		this.#deps = {
			db: indexDatabase(env),
			host: videoHostOf(env, config.publicUrl, config.allowLoopbackFetch),
			posterFailed: (failure) => this.#posterFailures.add(failure),
		};
		migrate(ctx.storage.sql, SCHEMA);
		this.#videos = new WorkQueue(ctx.storage.sql, 'videos', POLICY);
	}

	/**
	 * New videos to copy, or videos whose clips' visibility may have changed. A copy that keeps failing
	 * keeps its schedule unless `retry` (someone wants to play it, the host says it is ready).
	 */
	async enqueue(cids: string[], { retry = false } = {}): Promise<void> {
		// A CID named twice coalesces into one item (addAll).
		this.#videos.addAll(
			cids.map((cid) => [cid, cid]),
			{ coalesce: (_old, cid) => cid, retry },
		);
		await this.ctx.storage.setAlarm(Date.now());
	}

	/**
	 * Videos whose visibility may have changed: of clips by or featuring these people (their consent,
	 * follows or account changed), of these clips (created, changed, deleted), and of every remix down
	 * the chain of either, since the chain rules look up to the root. A ready copy whose public flag
	 * already says what the rules say now is not run again (most news changes nothing); if it is
	 * waiting or running anyway, it is marked changed, so a run that read the old facts runs once more.
	 */
	async recheck(people: string[], clips: string[] = []): Promise<void> {
		await this.handOff({ videos: [], people, clips });
	}

	/**
	 * What an index write implies for the copies, in one call (one per batch of the stream): `videos` to
	 * copy, and the copies `people` and `clips` may have changed (see recheck), queued together.
	 */
	async handOff({ videos, people, clips }: { videos: string[]; people: string[]; clips: string[] }): Promise<void> {
		const stale = people.length === 0 && clips.length === 0 ? [] : await this.#stale(people, clips);
		if (videos.length + stale.length > 0) await this.enqueue([...videos, ...stale]);
	}

	/** Of the copies recheck looks at, those to run again; the others, if waiting or running, are marked changed. */
	async #stale(people: string[], clips: string[]): Promise<string[]> {
		const { results } = await this.#deps.db
			.prepare(
				`WITH RECURSIVE touched(uri, depth) AS (
				   SELECT uri, 0 FROM clip_index
				    WHERE did IN (SELECT value FROM json_each(?1)) OR uri IN (SELECT value FROM json_each(?2))
				       OR uri IN (SELECT clip_uri FROM cameos WHERE did IN (SELECT value FROM json_each(?1)))
				   UNION SELECT r.uri, touched.depth + 1 FROM clip_index r JOIN touched ON r.parent_uri = touched.uri WHERE touched.depth < ${MAX_CHAIN}),
				 videos_touched AS (SELECT DISTINCT v.cid, v.state, v.restricted FROM videos v JOIN clip_index k ON k.video_cid = v.cid WHERE k.uri IN (SELECT uri FROM touched))
				 -- A ready copy is stale when its flag disagrees: restricted exactly when not shown.
				 SELECT t.cid, t.state != 'ready' OR t.restricted = (${videoShown('t.cid')}) AS stale FROM videos_touched t`,
			)
			.bind(JSON.stringify(people), JSON.stringify(clips))
			.all<{ cid: string; stale: number }>();
		this.#videos.changed(results.filter((row) => row.stale === 0).map((row) => row.cid));
		return results.filter((row) => row.stale === 1).map((row) => row.cid);
	}

	pending(): number {
		const { pending, setAside } = this.#videos.counts();
		return pending + setAside;
	}

	override async alarm(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		try {
			if (Date.now() - this.#sweptAt >= SWEEP_MS) {
				await this.#sweep();
				this.#sweptAt = Date.now();
			}
			for (;;) {
				const due = this.#videos.due(CONCURRENCY);
				if (due.length === 0) break;
				await Promise.all(due.map((item) => this.#run(item)));
			}
		} finally {
			this.#running = false;
			this.#posterFailures.flush();
			await this.ctx.storage.setAlarm(Math.min(this.#videos.nextDueAt() ?? Infinity, Date.now() + SWEEP_MS));
		}
	}

	/**
	 * One attempt. A copy that keeps failing is marked failed (playback then offers the author's PDS)
	 * but never dropped: it is tried again on a slow schedule, as a PDS or the host may mend.
	 */
	async #run(item: WorkItem<string>): Promise<void> {
		const cid = item.payload;
		const outcome = await mirrorVideo(this.#deps, cid).catch((error: unknown) => ({ done: false as const, retryInMs: 0, reason: String(error) }));
		if (outcome.done) return this.#videos.done(item);
		if (!this.#videos.failed(item, outcome.reason, outcome.retryInMs)) return;
		console.error(`mirroring ${cid} keeps failing, retrying slowly: ${outcome.reason}`);
		// A ready copy stays ready (only its re-check failed); anything else is marked failed.
		await this.#deps.db
			.prepare(
				`INSERT INTO videos (cid, host, state, reason, updated_at) VALUES (?1, ?2, 'failed', ?3, ?4)
				 ON CONFLICT (cid) DO UPDATE SET state = 'failed', reason = excluded.reason, updated_at = excluded.updated_at WHERE state != 'ready'`,
			)
			.bind(cid, this.#deps.host.name, outcome.reason, new Date().toISOString())
			.run();
	}

	/** Clips whose video has no row at all: a hand-off from the ingester that never arrived. */
	async #sweep(): Promise<void> {
		const { results } = await this.#deps.db
			.prepare('SELECT DISTINCT c.video_cid AS cid FROM clips c LEFT JOIN videos v ON v.cid = c.video_cid WHERE v.cid IS NULL LIMIT 500')
			.all<{ cid: string }>();
		// A copy already waiting (backing off, or set aside) keeps its schedule: the sweep only finds lost ones.
		for (const { cid } of results) this.#videos.ensure(cid, cid);
	}
}
