/// <reference types="vite/client" />
// The statements our reads send to D1 are compiled once, not on every run. workerd keeps each
// statement compiled and, before every run, clears its bindings and binds the new ones; SQLite then
// compiles it again if its planner had looked at a parameter's value (worker/db/index-database.ts).
// Here the reads run against a recording D1 to capture their SQL, and real SQLite (the official
// WebAssembly build) runs each statement twice the way workerd does, counting recompilations.
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CachedDidResolver } from '../../worker/identity/cached-did-resolver.ts';
import { indexDatabase, opaqueParameters } from '../../worker/db/index-database.ts';
import { forYouPage } from '../../worker/feeds/for-you.ts';
import { algorithms } from '../../worker/feeds/skeleton.ts';
import { timelinePage } from '../../worker/feeds/timeline.ts';
import { clipsByAuthor, clipsByUri, remixesOf } from '../../worker/views/clip-rows.ts';
import { commentPage } from '../../worker/views/comments.ts';
import { notificationPage } from '../../worker/views/notifications.ts';
import { matchQuery, searchClips } from '../../worker/views/search.ts';

const VIEWER = 'did:plc:viewer000000000000000000';
const CLIP = 'at://did:plc:author000000000000000000/video.dreamreel.clip/3kaaaaaaaaaaa';

/** One row that satisfies every read's expectations, so that each goes on to its next statement. */
const ROW = { uri: CLIP, cid: 'bafy', did: VIEWER, author: VIEWER, post: CLIP, sortAt: '2026-12-01T00:00:00.000Z', isRemix: 0, adult: 0, likes: 1, comments: 0, remixes: 0, kind: 'follow', value: VIEWER, record: '{}', document: JSON.stringify({ id: VIEWER }), fetched_at: Date.now() };

interface Captured {
	sql: string;
	params: unknown[];
}

/** A D1 that answers every statement with ROW and keeps what it was sent. */
function recordingD1(captured: Captured[]): D1Database {
	const statement = (sql: string, params: unknown[] = []): D1PreparedStatement => {
		const record = () => captured.push({ sql, params });
		return {
			bind: (...values: unknown[]) => statement(sql, values),
			all: async () => (record(), { results: [ROW], success: true, meta: {} }),
			first: async () => (record(), ROW),
			run: async () => (record(), { results: [], success: true, meta: {} }),
			raw: async () => (record(), [Object.values(ROW)]),
		} as unknown as D1PreparedStatement;
	};
	return {
		prepare: (sql: string) => statement(sql),
		batch: async (statements: D1PreparedStatement[]) => Promise.all(statements.map((s) => s.all())),
	} as unknown as D1Database;
}

/** What each read sends to D1, reaching it through `reach`. */
async function capture(reach: (d1: D1Database) => D1Database): Promise<Captured[]> {
	const captured: Captured[] = [];
	const recorded = reach(recordingD1(captured));
	const position = { sortAt: ROW.sortAt, uri: CLIP };
	await algorithms.trending(recorded, VIEWER, 30, undefined);
	await algorithms.trending(recorded, undefined, 30, undefined);
	await algorithms.following(recorded, VIEWER, 30, undefined);
	await forYouPage(recorded, VIEWER, 30, 0);
	await forYouPage(recorded, undefined, 30, 0);
	const timeline = { page: async () => [{ uri: CLIP, author: VIEWER, sortAt: ROW.sortAt }] };
	await timelinePage({ db: recorded, timeline: () => timeline as never, config: { fanoutMaxFollowers: 250 } as never }, VIEWER, 30, position);
	await clipsByUri(recorded, [CLIP], VIEWER, true, true);
	await clipsByAuthor(recorded, VIEWER, 'all', 30, position, VIEWER);
	await remixesOf(recorded, CLIP, 30, position, VIEWER);
	await commentPage(recorded, CLIP, 30, position, VIEWER);
	await notificationPage(recorded, VIEWER, 30);
	await searchClips(recorded, { match: matchQuery('cat'), sort: 'top', limit: 30, viewer: VIEWER });
	await searchClips(recorded, { tag: 'cats', sort: 'latest', limit: 30, viewer: VIEWER });
	await new CachedDidResolver(recorded, { resolve: async () => ({ id: VIEWER }) as never }).resolveMany([VIEWER]);
	return captured;
}

let sqlite: Awaited<ReturnType<typeof sqlite3InitModule>>;
let db: InstanceType<typeof sqlite.oo1.DB>;

beforeAll(async () => {
	sqlite = await sqlite3InitModule();
	db = new sqlite.oo1.DB(':memory:');
	const migrations = import.meta.glob<string>('../../worker/db/migrations/*.sql', { query: '?raw', import: 'default', eager: true });
	for (const file of Object.keys(migrations).sort()) db.exec(migrations[file]!);
});

/** How many times SQLite compiled `sql` again over two runs, each as workerd does it. */
function recompilations({ sql, params }: Captured): number {
	const statement = db.prepare(sql);
	try {
		for (let run = 0; run < 2; run++) {
			statement.reset();
			sqlite.capi.sqlite3_clear_bindings(statement.pointer!);
			if (params.length > 0) statement.bind(params as never);
			while (statement.step());
		}
		return sqlite.capi.sqlite3_stmt_status(statement.pointer!, sqlite.capi.SQLITE_STMTSTATUS_REPREPARE, 0);
	} finally {
		statement.finalize();
	}
}

describe('statements sent to D1', () => {
	it('are compiled once, however often they run with new bindings', async () => {
		const captured = await capture((d1) => indexDatabase({ DB: d1 }));
		expect(captured.length).toBeGreaterThan(15);
		const recompiled = captured.filter((statement) => recompilations(statement) > 0).map(({ sql }) => sql.slice(0, 120));
		expect(recompiled).toEqual([]);
	});

	it('as written, many would be compiled on every run (what indexDatabase prevents)', async () => {
		const captured = await capture((d1) => d1);
		const recompiled = captured.filter((statement) => recompilations(statement) > 0);
		expect(recompiled.length).toBeGreaterThan(5);
	});
});

describe('opaqueParameters', () => {
	it('writes every parameter as +?n, and nothing inside quotes', () => {
		expect(opaqueParameters(`SELECT * FROM t WHERE a = ?1 AND b IN (?2,?) LIMIT ?3`)).toBe(`SELECT * FROM t WHERE a = +?1 AND b IN (+?2,+?) LIMIT +?3`);
		expect(opaqueParameters(`SELECT 'it''s ?1', "odd?name", [x?], \`y?\` FROM t WHERE c = ?1`)).toBe(`SELECT 'it''s ?1', "odd?name", [x?], \`y?\` FROM t WHERE c = +?1`);
		expect(opaqueParameters(`SELECT json_extract(r, '$.a[0]') FROM t WHERE d = + ?2 OR e = +?4`)).toBe(`SELECT json_extract(r, '$.a[0]') FROM t WHERE d = + ?2 OR e = +?4`);
	});
});
