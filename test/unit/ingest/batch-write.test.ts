import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import { MAX_ROWS_CHARS } from '../../../worker/ingest/batch-write.ts';
import type { NetworkEvent } from '../../../worker/ingest/events.ts';

// A batch's records are written set-wise, table by table (worker/ingest/batch-write.ts). These
// batches are the ones where the order of writes within the batch decides what is stored.

const creator = 'did:plc:creatorcreatorcreatorcre';
const fan = 'did:plc:fanfanfanfanfanfanfanfanf';
const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm';
const video = { $type: 'blob', ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' }, mimeType: 'video/mp4', size: 10 };
const createdAt = '2026-11-25T07:00:00.000Z';
const clipUri = `at://${creator}/video.dreamreel.clip/3kbatchclip22`;
let rev = 0;

function commit(did: string, collection: string, rkey: string, record?: object): NetworkEvent {
	const uri = `at://${did}/${collection}/${rkey}`;
	const op = record ? { action: 'create' as const, uri, collection, rkey, cid: CID, record: { $type: collection, ...record } } : { action: 'delete' as const, uri, collection, rkey };
	return { kind: 'commit', cursor: ++rev, did, rev: `3kbatchrev${String(rev).padStart(4, '0')}`, ops: [op] };
}
const clip = (caption: string, rkey = '3kbatchclip22') => commit(creator, 'video.dreamreel.clip', rkey, { caption, tags: [caption], video, createdAt });
const like = (rkey: string) => commit(fan, 'video.dreamreel.like', rkey, { subject: { uri: clipUri, cid: CID }, createdAt });
const remix = (rkey: string, parent: string) =>
	commit(fan, 'video.dreamreel.remix', rkey, { video, parent: { uri: parent, cid: CID }, root: { uri: clipUri, cid: CID }, createdAt });

/** The index, telling `onBatch` of every batch it writes. */
const spied = (onBatch: (statements: D1PreparedStatement[]) => unknown) =>
	new Proxy(env.DB, {
		get: (target, key) =>
			key === 'batch'
				? (list: D1PreparedStatement[]) => (onBatch(list), target.batch(list))
				: (Reflect.get(target, key) as (...args: unknown[]) => unknown).bind(target),
	});

const notified = async () =>
	(await env.DB.prepare('SELECT recipient, reason, author FROM notifications ORDER BY id').all()).results;

describe('a batch written set-wise stores what writing its records in turn would', () => {
	beforeEach(async () => {
		const tables = ['clip_index', 'record_revs', 'actors', 'cameos', 'likes', 'notifications', 'clip_tags', 'search_docs'];
		await env.DB.batch(tables.map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
		await env.DB.prepare(`DELETE FROM clip_text`).run();
	});

	it('a like that comes before its clip in the batch notifies no one; one after it does', async () => {
		await applyEvents(env.DB, [like('3kbatchlike22'), clip('first'), like('3kbatchlike23')]);
		expect(await notified()).toEqual([{ recipient: creator, reason: 'like', author: fan }]);
		const likes = await env.DB.prepare('SELECT uri FROM likes ORDER BY uri').all();
		expect(likes.results).toHaveLength(2);
	});

	it('a clip created, changed and deleted within one batch leaves its tombstone, with nothing to search', async () => {
		await applyEvents(env.DB, [clip('first'), clip('second'), commit(creator, 'video.dreamreel.clip', '3kbatchclip22')]);
		const row = await env.DB.prepare('SELECT deleted, record FROM clip_index WHERE uri = ?1').bind(clipUri).first();
		expect(row).toEqual({ deleted: 1, record: '{}' });
		expect((await env.DB.prepare('SELECT tag FROM clip_tags').all()).results).toEqual([]);
		expect((await env.DB.prepare(`SELECT rowid FROM clip_text WHERE clip_text MATCH 'first OR second'`).all()).results).toEqual([]);
	});

	it('a clip changed within one batch is found by its last words only', async () => {
		await applyEvents(env.DB, [clip('first'), clip('second')]);
		expect((await env.DB.prepare('SELECT tag FROM clip_tags').all()).results).toEqual([{ tag: 'second' }]);
		const found = await env.DB.prepare(`SELECT count(*) AS n FROM clip_text WHERE clip_text MATCH ?1`);
		expect(await found.bind('first').first('n')).toBe(0);
		expect(await found.bind('second').first('n')).toBe(1);
	});

	it('a remix tells the chain above it as the chain stood when the remix came', async () => {
		const middle = `at://${fan}/video.dreamreel.remix/3kbatchmix222`;
		// The remix of `middle` comes before `middle` itself: no chain yet, no one to tell.
		await applyEvents(env.DB, [clip('first'), remix('3kbatchmix223', middle), remix('3kbatchmix222', clipUri), remix('3kbatchmix224', middle)]);
		const remixes = (await notified()).filter((row) => row.reason === 'remix');
		// `middle` tells the creator; the last remix tells the creator (its chain's author besides the fan).
		expect(remixes).toEqual([
			{ recipient: creator, reason: 'remix', author: fan },
			{ recipient: creator, reason: 'remix', author: fan },
		]);
	});

	it('clips at their largest go in statements of at most MAX_ROWS_CHARS of rows each, all of them, in order', async () => {
		// A 25-byte grapheme fills each field to its byte limit: ~12 K characters a clip, so 100 are ~1.2 M.
		const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
		const tags = Array.from({ length: 8 }, (_, i) => `${i}${family.repeat(24)}`);
		const big = { caption: family.repeat(120), prompt: family.repeat(800), tags, video, createdAt };
		const clips = Array.from({ length: 100 }, (_, i) => commit(creator, 'video.dreamreel.clip', `3kbigclip${String(i).padStart(3, '0')}2`, big));
		const bound: { sql: string; chars: number }[] = [];
		const db = spied((statements) => {
			for (const s of statements as unknown as { statement: string; params: unknown[] }[]) bound.push({ sql: s.statement, chars: JSON.stringify(s.params).length });
		});
		const result = await applyEvents(db, clips);
		expect([result.applied, result.rejected]).toEqual([100, 0]);
		expect(Math.max(...bound.map((s) => s.chars))).toBeLessThan(MAX_ROWS_CHARS * 1.1);
		expect(bound.filter((s) => s.sql.startsWith('INSERT INTO clip_index')).length).toBeGreaterThanOrEqual(3);
		expect(await env.DB.prepare('SELECT count(*) AS n FROM clips').first('n')).toBe(100);
		// Search documents are numbered in stream order (search pages newest first by them).
		const docs = await env.DB.prepare(`SELECT key FROM search_docs WHERE key LIKE 'at://%' ORDER BY id`).all<{ key: string }>();
		expect(docs.results.map((row) => row.key)).toEqual(clips.map((event) => (event.kind === 'commit' ? event.ops[0]!.uri : '')));
	});

	it('a batch of many records is a handful of statements, not a few per record', async () => {
		let statements = 0;
		const db = spied((list) => (statements += list.length));
		const likes = Array.from({ length: 100 }, (_, i) => like(`3kbatchl${String(i).padStart(3, '0')}22`));
		await applyEvents(db, [clip('first'), ...likes]);
		expect(await env.DB.prepare('SELECT count(*) AS n FROM notifications').first('n')).toBe(100);
		expect(statements).toBeLessThan(20);
	});
});
