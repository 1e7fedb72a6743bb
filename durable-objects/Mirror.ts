import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../worker/config.ts';
import { mirrorVideo, SLOW_RETRY_MS, type MirrorDeps } from '../worker/mirror/mirror-video.ts';
import { videoHostOf } from '../worker/video/index.ts';
import { MAX_CHAIN } from '../worker/views/visibility.ts';
import { migrate } from './migrate.ts';

/** After this many attempts a copy is marked failed (and still retried, slowly). */
const MAX_ATTEMPTS = 10;
const CONCURRENCY = 4;
/** Clips indexed while a hand-off to this object was lost are found by this sweep. */
const SWEEP_MS = 5 * 60_000;

const SCHEMA = [
	// IF NOT EXISTS: objects made before the schema was numbered already have it.
	`CREATE TABLE IF NOT EXISTS tasks (cid TEXT PRIMARY KEY, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, reason TEXT)`,
];

/**
 * Copies clips' videos from their authors' PDSes to the video host (R2 or Stream), and re-applies
 * whether each copy may be public when consent or an account changes. A durable queue driven by
 * alarms: every task is retried with backoff until it is done or has failed for good.
 */
export class Mirror extends DurableObject<Env> {
	readonly #deps: MirrorDeps;
	#running = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const config = readConfig(env);
		this.#deps = { db: env.DB, host: videoHostOf(env, config.publicUrl, config.allowLoopbackFetch) };
		migrate(ctx.storage.sql, SCHEMA);
	}

	/** New videos to copy, or videos whose clips' visibility may have changed. */
	async enqueue(cids: string[]): Promise<void> {
		const now = Date.now();
		for (const cid of new Set(cids)) {
			this.ctx.storage.sql.exec('INSERT INTO tasks (cid, next_at) VALUES (?, ?) ON CONFLICT DO UPDATE SET next_at = MIN(next_at, ?)', cid, now, now);
		}
		await this.ctx.storage.setAlarm(now);
	}

	/**
	 * Videos whose visibility may have changed: of clips by or featuring these people (their consent,
	 * follows or account changed), of these clips (created, changed, deleted), and of every remix down
	 * the chain of either, since the chain rules look up to the root.
	 */
	async recheck(people: string[], clips: string[] = []): Promise<void> {
		if (people.length === 0 && clips.length === 0) return;
		const { results } = await this.#deps.db
			.prepare(
				`WITH RECURSIVE touched(uri, depth) AS (
				   SELECT uri, 0 FROM clip_index
				    WHERE did IN (SELECT value FROM json_each(?1)) OR uri IN (SELECT value FROM json_each(?2))
				       OR uri IN (SELECT clip_uri FROM cameos WHERE did IN (SELECT value FROM json_each(?1)))
				   UNION SELECT r.uri, touched.depth + 1 FROM clip_index r JOIN touched ON r.parent_uri = touched.uri WHERE touched.depth < ${MAX_CHAIN})
				 SELECT DISTINCT v.cid FROM videos v JOIN clip_index k ON k.video_cid = v.cid WHERE k.uri IN (SELECT uri FROM touched)`,
			)
			.bind(JSON.stringify(people), JSON.stringify(clips))
			.all<{ cid: string }>();
		if (results.length > 0) await this.enqueue(results.map((row) => row.cid));
	}

	pending(): number {
		return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM tasks').one().n;
	}

	override async alarm(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		try {
			await this.#sweep();
			for (;;) {
				const due = this.ctx.storage.sql
					.exec<{ cid: string; attempts: number }>('SELECT cid, attempts FROM tasks WHERE next_at <= ? ORDER BY next_at LIMIT ?', Date.now(), CONCURRENCY)
					.toArray();
				if (due.length === 0) break;
				await Promise.all(due.map((task) => this.#run(task.cid, task.attempts)));
			}
		} finally {
			this.#running = false;
			const next = this.ctx.storage.sql.exec<{ at: number | null }>('SELECT MIN(next_at) AS at FROM tasks').one().at;
			await this.ctx.storage.setAlarm(Math.min(next ?? Infinity, Date.now() + SWEEP_MS));
		}
	}

	/**
	 * One attempt. A copy that keeps failing is marked failed (playback then offers the author's PDS)
	 * but never dropped: it is tried again on a slow schedule, as a PDS or the host may mend.
	 */
	async #run(cid: string, attempts: number): Promise<void> {
		const outcome = await mirrorVideo(this.#deps, cid).catch((error: unknown) => ({ done: false as const, retryInMs: 0, reason: String(error) }));
		if (outcome.done) {
			this.ctx.storage.sql.exec('DELETE FROM tasks WHERE cid = ?', cid);
			return;
		}
		if (attempts + 1 === MAX_ATTEMPTS) {
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
		const backoff = Math.max(outcome.retryInMs, Math.min(SLOW_RETRY_MS, 1000 * 2 ** attempts));
		this.ctx.storage.sql.exec('UPDATE tasks SET attempts = attempts + 1, next_at = ?, reason = ? WHERE cid = ?', Date.now() + backoff, outcome.reason, cid);
	}

	/** Clips whose video has no row at all: a hand-off from the ingester that never arrived. */
	async #sweep(): Promise<void> {
		const { results } = await this.#deps.db
			.prepare('SELECT DISTINCT c.video_cid AS cid FROM clips c LEFT JOIN videos v ON v.cid = c.video_cid WHERE v.cid IS NULL LIMIT 500')
			.all<{ cid: string }>();
		for (const { cid } of results) {
			this.ctx.storage.sql.exec('INSERT OR IGNORE INTO tasks (cid, next_at) VALUES (?, ?)', cid, Date.now());
		}
	}
}
