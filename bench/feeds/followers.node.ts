// 10 000 followers for the fan-out measurement. Creating 10 000 accounts on the reference PDS takes
// far too long (each is a PLC operation, a repo and keys), and follow records must come from 10 000
// different repos, so the follow edges are written into the worker's local D1 before it starts: the
// very rows (`follows`, `record_revs`) that applying those 10 000 `app.bsky.graph.follow` commits from
// the firehose would leave (`worker/ingest/apply.ts`). The fan-out path under test reads followers from
// `follows` and pushes to each follower's Timeline DO, so it cannot tell these rows from ingested ones.
// Every follower is also a reader (`timeline_readers`, as their first timeline read leaves it): fan-out
// pushes to readers only, and the benchmark measures a push to all of them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const wrangler = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'wrangler');
const ROWS_PER_STATEMENT = 400;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const TID_CHARS = '234567abcdefghijklmnopqrstuvwxyz';

/** A did:plc that no PLC directory holds (24 base32 characters, as did:plc has). */
export function syntheticDid(index: number): string {
	const digest = createHash('sha256').update(`dreamreel-bench-follower-${index}`).digest();
	let out = '';
	for (let i = 0; i < 24; i++) out += BASE32[digest[i]! % 32];
	return `did:plc:${out}`;
}

/** A record key in TID form (13 sortable base32 characters of a microsecond timestamp and a clock id). */
export function tid(micros: number, clock: number): string {
	let value = (BigInt(micros) << 10n) | BigInt(clock & 0x3ff);
	let out = '';
	for (let i = 0; i < 13; i++) {
		out = TID_CHARS[Number(value & 31n)] + out;
		value >>= 5n;
	}
	return out;
}

export const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

export function wranglerD1(persistTo: string, args: string[]): string {
	const result = spawnSync(wrangler, ['d1', ...args, '--local', '--persist-to', persistTo], {
		env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	if (result.status !== 0) throw new Error(`wrangler d1 ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
	return result.stdout;
}

export interface FollowerPlan {
	/** Every follower, in the order their follows were written (and so, fan-out order). */
	followers: string[];
	/** Followers that must also have an account row (those the benchmark signs in as). */
	known: string[];
}

/**
 * Applies the D1 migrations to a fresh local state and writes one follow of `subject` by each of
 * `followers`, plus `actors` rows for `known` (viewers who have visited before). Returns the follow
 * count D1 then holds for `subject`.
 */
export async function writeFollowers(persistTo: string, subject: string, plan: FollowerPlan): Promise<number> {
	wranglerD1(persistTo, ['migrations', 'apply', 'DB']);
	const start = (Date.now() - 30 * 86_400_000) * 1000;
	const statements: string[] = [];
	for (let from = 0; from < plan.followers.length; from += ROWS_PER_STATEMENT) {
		const follows: string[] = [];
		const revs: string[] = [];
		const readers: string[] = [];
		plan.followers.slice(from, from + ROWS_PER_STATEMENT).forEach((did, i) => {
			const at = start + (from + i) * 1_000_000;
			const uri = `at://${did}/app.bsky.graph.follow/${tid(at, from + i)}`;
			follows.push(`(${quote(uri)}, ${quote(did)}, ${quote(subject)}, ${quote(new Date(at / 1000).toISOString())})`);
			revs.push(`(${quote(uri)}, ${quote(tid(at + 1, from + i))}, 0)`);
			readers.push(`(${quote(did)}, ${quote(new Date(at / 1000).toISOString())}, 1)`);
		});
		statements.push(`INSERT INTO follows (uri, did, subject, created_at) VALUES ${follows.join(', ')};`);
		statements.push(`INSERT INTO record_revs (uri, rev, deleted) VALUES ${revs.join(', ')};`);
		statements.push(`INSERT OR IGNORE INTO timeline_readers (did, since, built) VALUES ${readers.join(', ')};`);
	}
	const now = new Date().toISOString();
	for (const did of plan.known) statements.push(`INSERT OR IGNORE INTO actors (did, indexed_at) VALUES (${quote(did)}, ${quote(now)});`);
	const file = join(persistTo, 'bench-followers.sql');
	await writeFile(file, statements.join('\n'));
	wranglerD1(persistTo, ['execute', 'DB', '--file', file]);
	const out = wranglerD1(persistTo, ['execute', 'DB', '--json', '--command', `SELECT COUNT(*) AS n FROM follows WHERE subject = ${quote(subject)}`]);
	const parsed = JSON.parse(out) as { results: { n: number }[] }[];
	return parsed[0]?.results[0]?.n ?? 0;
}
