// Like and comment counts are kept at write (migration 0016_kept_counts). Whatever the stream does —
// likes moved to another clip, replays, deletes, blocks made directly or through lists, in any order —
// they must equal what counting from scratch gives: people, net of blocks with the clip's author.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import type { NetworkEvent } from '../../../worker/ingest/events.ts';
import { blockedBetween } from '../../../worker/views/visibility.ts';
import { newDid, seedActor, seedClip, type Ref } from '../index-fixtures.ts';

/** The definition the kept counts must agree with, counted from the rows themselves. */
const FROM_SCRATCH = `SELECT c.uri,
    (SELECT COUNT(DISTINCT l.did) FROM likes l WHERE l.subject_uri = c.uri AND NOT ${blockedBetween('l.did', 'c.did')}) AS likers,
    (SELECT COUNT(DISTINCT m.did) FROM comments m WHERE m.subject_uri = c.uri AND NOT ${blockedBetween('m.did', 'c.did')}) AS commenters
  FROM clips c WHERE c.uri IN (SELECT value FROM json_each(?1)) ORDER BY c.uri`;
/** Without blocks: where it differs from the kept counts, blocks were at work. */
const RAW = `SELECT c.uri, (SELECT COUNT(DISTINCT l.did) FROM likes l WHERE l.subject_uri = c.uri) AS likers,
    (SELECT COUNT(DISTINCT m.did) FROM comments m WHERE m.subject_uri = c.uri) AS commenters
  FROM clips c WHERE c.uri IN (SELECT value FROM json_each(?1)) ORDER BY c.uri`;
const KEPT = `SELECT c.uri, COALESCE(k.likers, 0) AS likers, COALESCE(k.commenters, 0) AS commenters
  FROM clips c LEFT JOIN subject_counts k ON k.uri = c.uri WHERE c.uri IN (SELECT value FROM json_each(?1)) ORDER BY c.uri`;

async function counts(sql: string, clips: Ref[]) {
	return (await env.DB.prepare(sql).bind(JSON.stringify(clips.map((clip) => clip.uri))).all()).results;
}

let cursor = 0;
/** One commit as the stream delivers it: create (or replay), update or delete of a record. */
async function commit(action: 'create' | 'update' | 'delete', uri: string, record?: object): Promise<void> {
	cursor += 1;
	const [, , did, collection, rkey] = uri.split('/') as [string, string, string, string, string];
	const op = action === 'delete'
		? { action, uri, collection, rkey }
		: { action, uri, collection, rkey, cid: 'bafyreikept', record: { $type: collection, ...record, createdAt: new Date().toISOString() } };
	const event = { kind: 'commit', cursor, did, rev: `3z${String(cursor).padStart(11, '0')}`, ops: [op] } as NetworkEvent;
	await applyEvents(env.DB, [event]);
}

/** A small seeded random source, so a failure can be replayed. */
function random(seed: number) {
	let state = seed;
	const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
	return { pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)]!, chance: (p: number) => next() < p };
}

async function people(n: number): Promise<string[]> {
	const dids = Array.from({ length: n }, () => newDid());
	for (const did of dids) await seedActor(did, `k-${did.slice(-8)}.test`);
	return dids;
}

describe('kept like and comment counts', () => {
	it('count an account once, and move with a like moved to another clip', async () => {
		const [author, fan] = await people(2);
		const [first, second] = [await seedClip(author!), await seedClip(author!)];
		const like = `at://${fan}/video.dreamreel.like/3kkeptlike1`;
		await commit('create', like, { subject: first });
		await commit('create', `at://${fan}/video.dreamreel.like/3kkeptlike2`, { subject: first });
		await commit('create', like, { subject: first }); // a replay
		const likers = async (clip: Ref) => (await counts(KEPT, [clip]))[0]!.likers;
		expect([await likers(first), await likers(second)]).toEqual([1, 0]);
		await commit('update', like, { subject: second });
		expect([await likers(first), await likers(second)]).toEqual([1, 1]); // the other like still counts
		await commit('delete', `at://${fan}/video.dreamreel.like/3kkeptlike2`);
		expect([await likers(first), await likers(second)]).toEqual([0, 1]);
	});

	it('agree with counting from scratch through any sequence of likes, comments, blocks and block lists', async () => {
		const authors = await people(3);
		const fans = await people(5);
		const listOwner = (await people(1))[0]!;
		const list = `at://${listOwner}/app.bsky.graph.list/3kkeptlist`;
		const clips: Ref[] = [];
		for (const author of authors) clips.push(await seedClip(author), await seedClip(author));
		const rng = random(16);
		const live = new Map<string, string>(); // uri → collection, of records that exist now
		let n = 0;
		let blocksMattered = false;
		const anyone = [...authors, ...fans];
		for (let step = 0; step < 160; step++) {
			const existing = [...live.keys()];
			if (existing.length > 0 && rng.chance(0.25)) {
				const uri = rng.pick(existing);
				const collection = live.get(uri)!;
				if (rng.chance(0.5)) {
					await commit('delete', uri);
					live.delete(uri);
				} else if (collection === 'video.dreamreel.like' || collection === 'video.dreamreel.comment') {
					await commit(rng.chance(0.5) ? 'update' : 'create', uri, { subject: rng.pick(clips), ...(collection.endsWith('comment') ? { text: 'again' } : {}) });
				} else if (collection === 'app.bsky.graph.block') {
					await commit('update', uri, { subject: rng.pick(anyone) });
				}
				continue;
			}
			n += 1;
			const rkey = `3kkept${String(n).padStart(6, '0')}`;
			const kind = rng.pick(['like', 'like', 'like', 'comment', 'comment', 'block', 'listblock', 'listitem'] as const);
			const who = rng.pick(anyone);
			const [collection, writer, record] =
				kind === 'like' ? ['video.dreamreel.like', who, { subject: rng.pick(clips) }]
				: kind === 'comment' ? ['video.dreamreel.comment', who, { subject: rng.pick(clips), text: 'hi' }]
				: kind === 'block' ? ['app.bsky.graph.block', who, { subject: rng.pick(anyone) }]
				: kind === 'listblock' ? ['app.bsky.graph.listblock', who, { subject: list }]
				: ['app.bsky.graph.listitem', listOwner, { list, subject: rng.pick(anyone) }];
			const uri = `at://${writer}/${collection}/${rkey}`;
			await commit('create', uri, record);
			live.set(uri, collection);
			if (step % 10 === 9) {
				const kept = await counts(KEPT, clips);
				expect(kept, `after step ${step}`).toEqual(await counts(FROM_SCRATCH, clips));
				blocksMattered ||= JSON.stringify(kept) !== JSON.stringify(await counts(RAW, clips));
			}
		}
		expect(await counts(KEPT, clips)).toEqual(await counts(FROM_SCRATCH, clips));
		expect(blocksMattered, 'some like or comment was discounted by a block along the way').toBe(true);
	});
});
