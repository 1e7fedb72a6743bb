import { DurableObject } from 'cloudflare:workers';
import type { AccountStatus } from '../worker/jobs/accounts.ts';
import { migrate } from './migrate.ts';

export interface QuotaLimits {
	/** Unfinished jobs allowed at once. */
	maxActive: number;
	/** Jobs allowed per UTC day. */
	dailyQuota: number;
	/** A slot held longer than this is taken back: its job can no longer be running (the job timeout has passed). */
	staleAfterMs: number;
	now: number;
	/** What one job counts against the daily limit: 1 (jobs) or its seconds of video (a provider's spend). */
	cost?: number;
	/** Whose budget this object keeps, for the refusal's message. Default: the requester's own. */
	scope?: { host: string } | { provider: string };
}

/** A requester's account as last checked at their PDS (see worker/jobs/accounts.ts). */
export interface RememberedAccount {
	status: AccountStatus;
	until: number;
}

export type Reservation =
	| { ok: true; active: number; today: number }
	| { ok: false; error: 'TooManyJobs' | 'QuotaExceeded'; message: string; retryAfterMs: number };

/** A job in a requester's list. */
export interface Draft {
	id: string;
	createdAt: number;
}

const DAY_MS = 86_400_000;

const SCHEMA = [
	// One row per job this requester started in the last two days; `active` until the job ends.
	`CREATE TABLE jobs (id TEXT PRIMARY KEY, day TEXT NOT NULL, reserved_at INTEGER NOT NULL, active INTEGER NOT NULL)`,
	`CREATE INDEX jobs_by_day ON jobs (day)`,
	// Host and provider budgets count seconds of video, not jobs.
	`ALTER TABLE jobs ADD COLUMN cost INTEGER NOT NULL DEFAULT 1`,
	`CREATE TABLE account (id INTEGER PRIMARY KEY CHECK (id = 1), status TEXT NOT NULL, until INTEGER NOT NULL)`,
	// Nonces (jti) of the single-use tokens this DID has issued to us, until those tokens expire.
	`CREATE TABLE nonces (jti TEXT PRIMARY KEY, until INTEGER NOT NULL)`,
	// A requester's jobs of the retention window, for listJobs (the `jobs` rows last only two days).
	`CREATE TABLE drafts (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL)`,
	`CREATE INDEX drafts_by_time ON drafts (created_at DESC, id DESC)`,
];

/**
 * One budget of generation: a requester's (one object per DID), a PDS host's (`host:<name>`) or a
 * provider's daily spend (`provider:<name>`). Every method is synchronous SQL with no
 * await between check and write, so concurrent submits are serialised by the object itself:
 * two requests can never both take the last slot.
 */
export class GenerationQuota extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		migrate(ctx.storage.sql, SCHEMA);
	}

	/**
	 * Takes a slot for job `id`. Idempotent: a job that already has one (a retried or concurrent
	 * submit with the same idempotency key) is not counted twice.
	 */
	reserve(id: string, limits: QuotaLimits): Reservation {
		const sql = this.ctx.storage.sql;
		const today = utcDay(limits.now);
		const cost = limits.cost ?? 1;
		if (sql.exec('SELECT 1 FROM jobs WHERE id = ?', id).toArray().length > 0) return { ok: true, ...this.#usage(today) };
		sql.exec('DELETE FROM jobs WHERE day < ?', utcDay(limits.now - DAY_MS));
		sql.exec('UPDATE jobs SET active = 0 WHERE active = 1 AND reserved_at < ?', limits.now - limits.staleAfterMs);
		const usage = this.#usage(today);
		if (usage.active >= limits.maxActive) {
			return {
				ok: false,
				error: 'TooManyJobs',
				message: `you have ${usage.active} generations running; the limit is ${limits.maxActive}. Wait for one to finish or cancel one.`,
				retryAfterMs: 5_000,
			};
		}
		if (usage.today + cost > limits.dailyQuota) {
			return { ok: false, error: 'QuotaExceeded', message: spentMessage(limits), retryAfterMs: DAY_MS - (limits.now % DAY_MS) };
		}
		sql.exec('INSERT INTO jobs (id, day, reserved_at, active, cost) VALUES (?, ?, ?, 1, ?)', id, today, limits.now, cost);
		return { ok: true, active: usage.active + 1, today: usage.today + cost };
	}

	/**
	 * True the first time a token id is seen within `ttlSeconds`, false for a replay. Also the
	 * delivery memory of webhooks without a job (`webhooks:stream`).
	 */
	claimNonce(jti: string, ttlSeconds: number): boolean {
		const sql = this.ctx.storage.sql;
		const now = Date.now();
		sql.exec('DELETE FROM nonces WHERE until < ?', now);
		if (sql.exec('SELECT 1 FROM nonces WHERE jti = ?', jti).toArray().length > 0) return false;
		sql.exec('INSERT INTO nonces (jti, until) VALUES (?, ?)', jti, now + ttlSeconds * 1000);
		return true;
	}

	/** The requester's account as last confirmed, while that is fresh. */
	account(now: number): AccountStatus | undefined {
		const row = this.ctx.storage.sql.exec<{ status: string; until: number }>('SELECT status, until FROM account').toArray()[0];
		return row && row.until > now ? (JSON.parse(row.status) as AccountStatus) : undefined;
	}

	rememberAccount(remembered: RememberedAccount): void {
		this.ctx.storage.sql.exec('INSERT OR REPLACE INTO account (id, status, until) VALUES (1, ?, ?)', JSON.stringify(remembered.status), remembered.until);
	}

	/** The job ended (or was never created): its concurrency slot is free; the day's count keeps it. */
	release(id: string): void {
		this.ctx.storage.sql.exec('UPDATE jobs SET active = 0 WHERE id = ?', id);
	}

	/** The job was never created (its object failed): as if it had not been asked for. */
	unreserve(id: string): void {
		this.ctx.storage.sql.exec('DELETE FROM jobs WHERE id = ?', id);
	}

	/** Lists job `id` among the requester's drafts; drafts older than `keepMs` go. */
	rememberJob(id: string, now: number, keepMs: number): void {
		const sql = this.ctx.storage.sql;
		sql.exec('DELETE FROM drafts WHERE created_at < ?', now - keepMs);
		sql.exec('INSERT OR IGNORE INTO drafts (id, created_at) VALUES (?, ?)', id, now);
	}

	forgetJob(id: string): void {
		this.ctx.storage.sql.exec('DELETE FROM drafts WHERE id = ?', id);
	}

	/** The requester's drafts of the last `keepMs`, newest first, after `before` (the previous page's last). */
	drafts(now: number, keepMs: number, limit: number, before?: Draft): Draft[] {
		return this.ctx.storage.sql
			.exec<{ id: string; createdAt: number }>(
				`SELECT id, created_at AS createdAt FROM drafts WHERE created_at >= ?1
				   AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
				 ORDER BY created_at DESC, id DESC LIMIT ?4`,
				now - keepMs, before?.createdAt ?? null, before?.id ?? null, limit,
			)
			.toArray();
	}

	usage(now: number): { active: number; today: number } {
		return this.#usage(utcDay(now));
	}

	#usage(today: string): { active: number; today: number } {
		return this.ctx.storage.sql
			.exec<{ active: number; today: number }>(
				'SELECT COALESCE(SUM(active), 0) AS active, COALESCE(SUM(CASE WHEN day = ? THEN cost ELSE 0 END), 0) AS today FROM jobs',
				today,
			)
			.one();
	}
}

function spentMessage(limits: QuotaLimits): string {
	const scope = limits.scope;
	if (scope && 'host' in scope) return `accounts on your PDS host (${scope.host}) have used today's ${limits.dailyQuota} generations here; the quota resets at 00:00 UTC`;
	if (scope && 'provider' in scope) return `today's budget of ${limits.dailyQuota} seconds of video from ${scope.provider} is spent on this deployment; it resets at 00:00 UTC`;
	return `you have used today's ${limits.dailyQuota} generations; the quota resets at 00:00 UTC`;
}

function utcDay(ms: number): string {
	return new Date(ms).toISOString().slice(0, 10);
}
