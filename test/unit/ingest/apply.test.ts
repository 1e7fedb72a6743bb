import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyEvents, applyIsolatingPoison, oneAtATime, refusalLog } from '../../../worker/ingest/apply.ts';
import type { NetworkEvent } from '../../../worker/ingest/events.ts';

const did = 'did:plc:applyapplyapplyapplyappl';
const rkey = '3kapplyclip22';
const uri = `at://${did}/video.dreamreel.clip/${rkey}`;
const clip = (caption: string) => ({
	$type: 'video.dreamreel.clip',
	caption,
	video: { $type: 'blob', ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' }, mimeType: 'video/mp4', size: 10 },
	createdAt: '2026-11-25T07:00:00.000Z',
});
const create = (rev: string, caption: string, action: 'create' | 'update' = 'create', record: object = clip(caption)): NetworkEvent => ({
	kind: 'commit',
	cursor: 1,
	did,
	rev,
	ops: [{ action, uri, collection: 'video.dreamreel.clip', rkey, cid: `bafyrei${rev}`, record }],
});
const remove = (rev: string): NetworkEvent => ({ kind: 'commit', cursor: 1, did, rev, ops: [{ action: 'delete', uri, collection: 'video.dreamreel.clip', rkey }] });

async function indexed(): Promise<string | null> {
	const row = await env.DB.prepare('SELECT record FROM clips WHERE uri = ?1').bind(uri).first<{ record: string }>();
	return row ? (JSON.parse(row.record) as { caption: string }).caption : null;
}

describe('applying events', () => {
	beforeEach(async () => {
		await env.DB.batch(['clip_index', 'record_revs', 'actors', 'cameos'].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
	});

	it("a stream's refusals, batch after batch, are told in one line that counts them all", async () => {
		const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const log = refusalLog();
		for (let batch = 0; batch < 5; batch++) {
			const refused = [1, 2, 3].map((n): NetworkEvent => ({ kind: 'rejected', cursor: batch * 10 + n, reason: 'unreadable frame' }));
			expect((await applyEvents(env.DB, refused, { refusalLog: log })).rejected).toBe(3);
		}
		expect(warned).not.toHaveBeenCalled();
		log.flush();
		expect(warned.mock.calls).toEqual([['rejected: event at 1: unreadable frame (and 14 more, kept in rejected_records and rejected_events)']]);
		warned.mockRestore();
	});

	it('applying the same event twice leaves the same state', async () => {
		const first = await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one')]);
		const again = await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one')]);
		expect([first.applied, again.applied, again.stale]).toEqual([1, 0, 1]);
		expect(await indexed()).toBe('one');
	});

	it('reads asked for after the write run in its batch and see what it wrote', async () => {
		const asked: string[][] = [];
		const result = await applyEvents(env.DB, [create('3kaaaaaaaaa2c', 'read after')], {
			readAfter: (work) => (asked.push(work.clips), [env.DB.prepare('SELECT uri FROM clip_index WHERE uri IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(work.clips))]),
		});
		expect(asked).toEqual([[uri]]);
		expect(result.outbox).toBeTypeOf('number');
		expect(result.readAfter?.map((read) => read.results)).toEqual([[{ uri }]]);
	});

	it('an older update arriving after a newer one changes nothing', async () => {
		await applyEvents(env.DB, [create('3kaaaaaaaaa2c', 'newer', 'update')]);
		await applyEvents(env.DB, [create('3kaaaaaaaaa2b', 'older', 'update')]);
		expect(await indexed()).toBe('newer');
	});

	it('a delete at an older revision than the stored record leaves it stored', async () => {
		await applyEvents(env.DB, [create('3kaaaaaaaaa2c', 'newer')]);
		const result = await applyEvents(env.DB, [remove('3kaaaaaaaaa2b')]);
		expect(result.stale).toBe(1);
		expect(await indexed()).toBe('newer');
	});

	it('a create replayed after its delete does not bring the record back', async () => {
		await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one'), remove('3kaaaaaaaaa2b')]);
		await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one')]);
		expect(await indexed()).toBeNull();
	});

	it('a deleted clip leaves a tombstone with what the chain rules need, and none of its content', async () => {
		const featured = { ...clip('gone'), cameos: ['did:plc:featuredfeaturedfeatured'], remixPolicy: 'none' };
		await applyEvents(env.DB, [create('3kaaaaaaaaa2a', '', 'create', featured)]);
		await applyEvents(env.DB, [remove('3kaaaaaaaaa2b')]);
		expect(await indexed()).toBeNull();
		const tombstone = await env.DB.prepare('SELECT did, record, remix_policy, deleted FROM clip_index WHERE uri = ?1').bind(uri).first();
		expect(tombstone).toEqual({ did, record: '{}', remix_policy: 'none', deleted: 1 });
		const cameos = await env.DB.prepare('SELECT did FROM cameos WHERE clip_uri = ?1').bind(uri).all();
		expect(cameos.results).toEqual([{ did: 'did:plc:featuredfeaturedfeatured' }]);
		await applyEvents(env.DB, [create('3kaaaaaaaaa2c', 'back')]);
		expect(await indexed()).toBe('back');
	});

	it('a takedown in the same batch as the account’s first record still applies', async () => {
		await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one'), { kind: 'account', cursor: 2, did, active: false, status: 'takendown' }]);
		const actor = await env.DB.prepare('SELECT active, status FROM actors WHERE did = ?1').bind(did).first();
		expect(actor).toEqual({ active: 0, status: 'takendown' });
	});

	it('a backfill applied concurrently with the stream’s newer delete does not resurrect the record', async () => {
		await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one')]);
		const write = oneAtATime();
		// The stream deletes at rev 2c while a backfill, having read the repo at rev 2b, re-creates it.
		await Promise.all([
			write(() => applyEvents(env.DB, [remove('3kaaaaaaaaa2c')])),
			write(() => applyEvents(env.DB, [create('3kaaaaaaaaa2b', 'one')], { discoverFollowed: false })),
		]);
		expect(await indexed()).toBeNull();
	});
});

describe('poison events', () => {
	const like = (rkey: string, rev: string): NetworkEvent => ({
		kind: 'commit',
		cursor: Number.parseInt(rev.slice(-3), 36),
		did,
		rev,
		ops: [{ action: 'create', uri: `at://${did}/video.dreamreel.like/${rkey}`, collection: 'video.dreamreel.like', rkey, cid: `bafyrei${rkey}`, record: { $type: 'video.dreamreel.like', subject: { uri, cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }, createdAt: '2026-11-25T07:00:00.000Z' } }],
	});
	const poisonTrigger = `CREATE TRIGGER poison BEFORE INSERT ON likes WHEN NEW.uri LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`;

	beforeEach(async () => {
		await env.DB.batch(['likes', 'rejected_events'].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
		await env.DB.prepare('DROP TRIGGER IF EXISTS poison').run();
	});

	it('an event whose write fails alone is kept with the error and skipped; the rest of its batch is applied', async () => {
		await env.DB.prepare(poisonTrigger).run();
		const batch = [like('3kgoodone0001', '3kaaaaaaaaa2a'), like('3kpoison00001', '3kaaaaaaaaa2b'), like('3kgoodtwo0001', '3kaaaaaaaaa2c')];
		const result = await applyIsolatingPoison((events) => applyEvents(env.DB, events), batch);
		expect([result.applied, result.rejected]).toEqual([2, 1]);
		const { results: likes } = await env.DB.prepare('SELECT uri FROM likes ORDER BY uri').all<{ uri: string }>();
		expect(likes.map((row) => row.uri.split('/').pop())).toEqual(['3kgoodone0001', '3kgoodtwo0001']);
		const { results: rejected } = await env.DB.prepare('SELECT source_cursor, did, reason FROM rejected_events').all();
		expect(rejected).toEqual([{ source_cursor: batch[1]!.cursor, did, reason: expect.stringContaining('poisoned row') }]);
		await env.DB.prepare('DROP TRIGGER poison').run();
	});

	it('when no event of a batch can be written, the failure is thrown (the store is down) and nothing is rejected', async () => {
		await env.DB.prepare(poisonTrigger).run();
		const batch = [like('3kpoison00002', '3kaaaaaaaaa2d'), like('3kpoison00003', '3kaaaaaaaaa2e')];
		await expect(applyIsolatingPoison((events) => applyEvents(env.DB, events), batch)).rejects.toThrow(/poisoned row/);
		expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM rejected_events').first<{ n: number }>())!.n).toBe(0);
		await env.DB.prepare('DROP TRIGGER poison').run();
	});
});

describe('identity events', () => {
	it('drop the cached DID document at once, so a rotated key is not trusted from the cache', async () => {
		const other = 'did:plc:identityidentityidentity';
		await env.DB.prepare(`INSERT OR REPLACE INTO did_cache (did, document, fetched_at) VALUES (?1, '{}', ?2)`).bind(other, Date.now()).run();
		await applyEvents(env.DB, [{ kind: 'identity', cursor: 7, did: other }]);
		expect(await env.DB.prepare('SELECT did FROM did_cache WHERE did = ?1').bind(other).first()).toBeNull();
	});
});

describe('side effects survive a crash between the index write and the cursor', () => {
	beforeEach(async () => {
		await env.DB.batch(['clip_index', 'record_revs', 'actors', 'cameos', 'outbox'].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
	});

	it('what a write implies is in the outbox, written in the same transaction as the index', async () => {
		const result = await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one')]);
		const row = await env.DB.prepare('SELECT work FROM outbox WHERE id = ?1').bind(result.outbox!).first<{ work: string }>();
		const work = JSON.parse(row!.work) as { feed: unknown[]; videos: unknown[]; clips: unknown[]; discovered: unknown[] };
		expect([work.feed, work.videos, work.clips, work.discovered]).toEqual([result.feed, result.videos, result.clips, result.discovered]);
		expect(work.feed).toEqual([{ kind: 'post', uri, author: did, sortAt: '2026-11-25T07:00:00.000Z' }]);
	});

	it('a replay of the same revision writes nothing and implies nothing again: its work is in the outbox already', async () => {
		await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one')]);
		const replay = await applyEvents(env.DB, [create('3kaaaaaaaaa2a', 'one')]);
		expect([replay.applied, replay.stale, replay.outbox]).toEqual([0, 1, undefined]);
		expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM outbox').first('n')).toBe(1);
	});

	it('an older revision derives nothing', async () => {
		await applyEvents(env.DB, [create('3kaaaaaaaaa2c', 'newer', 'update')]);
		const older = await applyEvents(env.DB, [create('3kaaaaaaaaa2b', 'older', 'update')]);
		expect([older.feed, older.videos, older.clips]).toEqual([[], [], []]);
	});
});

describe('follows', () => {
	const follower = 'did:plc:followerfollowerfollowerf';
	const followUri = `at://${follower}/app.bsky.graph.follow/3kfollow2222`;
	const followOp = (action: 'create' | 'delete', rev: string): NetworkEvent => ({
		kind: 'commit',
		cursor: 1,
		did: follower,
		rev,
		ops: [
			action === 'create'
				? { action, uri: followUri, collection: 'app.bsky.graph.follow', rkey: '3kfollow2222', cid: 'bafyreifollow', record: { $type: 'app.bsky.graph.follow', subject: did, createdAt: '2026-11-25T07:00:00.000Z' } }
				: { action, uri: followUri, collection: 'app.bsky.graph.follow', rkey: '3kfollow2222' },
		],
	});

	beforeEach(async () => {
		await env.DB.batch(['follows', 'record_revs', 'actors'].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
		await env.DB.prepare(`INSERT INTO actors (did, indexed_at) VALUES (?1, '2026-11-25T00:00:00Z')`).bind(did).run();
	});

	it('a follow created and deleted within one batch is undone in timelines too', async () => {
		const result = await applyEvents(env.DB, [followOp('create', '3kfollowrev22'), followOp('delete', '3kfollowrev23')]);
		expect(result.feed).toEqual([
			{ kind: 'follow', follower, subject: did },
			{ kind: 'unfollow', follower, subject: did },
		]);
	});
});
