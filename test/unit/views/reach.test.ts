// Blocks and mutes reach search and notifications too: the same rules as the feeds.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import type { RecordOp } from '../../../worker/ingest/events.ts';
import { notificationPage } from '../../../worker/views/notifications.ts';
import { matchQuery, searchClips } from '../../../worker/views/search.ts';
import { newDid } from '../index-fixtures.ts';

let revs = 0;
const rev = () => `3kreach${(revs++).toString(36).padStart(6, '2')}`;
const rkey = () => `3k${crypto.randomUUID().replace(/-/g, '').slice(0, 11)}`;

async function write(did: string, collection: string, record: Record<string, unknown>): Promise<string> {
	const key = rkey();
	const uri = `at://${did}/${collection}/${key}`;
	const op: RecordOp = { action: 'create', uri, collection, rkey: key, cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', record: { $type: collection, createdAt: new Date().toISOString(), ...record } };
	await applyEvents(env.DB, [{ kind: 'commit', cursor: 1, did, rev: rev(), ops: [op] }]);
	return uri;
}

const clip = (did: string, caption: string) =>
	write(did, 'video.dreamreel.clip', { caption, video: { $type: 'blob', ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' }, mimeType: 'video/mp4', size: 10 } });
const block = (did: string, subject: string) => write(did, 'app.bsky.graph.block', { subject });
const word = () => `w${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;

describe('search and notifications honour blocks and mutes', () => {
	it('a viewer who blocks an author, or is blocked by them, does not find their clips', async () => {
		const [author, viewer, other] = [newDid(), newDid(), newDid()];
		const w = word();
		const uri = await clip(author, `a ${w} at dusk`);
		await clip(viewer, 'the viewer is known to the index');
		await block(viewer, author);
		const found = async (as?: string) => (await searchClips(env.DB, { match: matchQuery(w), sort: 'latest', limit: 10, viewer: as })).map((row) => row.uri);
		expect(await found()).toEqual([uri]);
		expect(await found(other)).toEqual([uri]);
		expect(await found(viewer)).toEqual([]);
	});

	it('a like from someone one blocks, or has muted, is not notified', async () => {
		const [author, fan, muted, blocked] = [newDid(), newDid(), newDid(), newDid()];
		const uri = await clip(author, 'liked by three');
		for (const liker of [fan, muted, blocked]) await write(liker, 'video.dreamreel.like', { subject: { uri, cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' } });
		await block(author, blocked);
		await env.DB.prepare(`INSERT INTO mutes (did, subject, created_at) VALUES (?1, ?2, '2026-12-06T00:00:00Z')`).bind(author, muted).run();
		const likers = (await notificationPage(env.DB, author, 20)).filter((row) => row.reason === 'like').map((row) => row.did);
		expect(likers).toEqual([fan]);
	});
});
