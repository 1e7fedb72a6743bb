// Reads whose cost would grow with a popular account's history are bounded: a search reads the
// newest MAX_MATCHES matches of its word or tag, notifications the newest WINDOW of the recipient.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import type { NetworkEvent } from '../../../worker/ingest/events.ts';
import { notificationPage, unreadCount, WINDOW } from '../../../worker/views/notifications.ts';
import { MAX_MATCHES, matchQuery, searchClips } from '../../../worker/views/search.ts';
import { newDid, seedActor } from '../index-fixtures.ts';

const CID = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const VIDEO = { $type: 'blob', ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' }, mimeType: 'video/mp4', size: 10 };

describe('bounded reads', () => {
	it(`a search reads the ${MAX_MATCHES} newest matches of a word, and of a tag`, async () => {
		const did = newDid();
		const word = `w${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
		const start = Date.parse('2026-11-01T00:00:00Z');
		const rkeys = Array.from({ length: MAX_MATCHES + 5 }, (_, i) => `3kbound${String(i).padStart(6, '0')}`);
		const uris = rkeys.map((rkey) => `at://${did}/video.dreamreel.clip/${rkey}`);
		const events: NetworkEvent[] = rkeys.map((rkey, i) => {
			const record = { $type: 'video.dreamreel.clip', caption: `${word} #${word}`, video: VIDEO, createdAt: new Date(start + i * 60_000).toISOString() };
			return { kind: 'commit', cursor: i + 1, did, rev: rkey, ops: [{ action: 'create', uri: uris[i]!, collection: 'video.dreamreel.clip', rkey, cid: CID, record }] };
		});
		await applyEvents(env.DB, events);
		for (const by of [{ match: matchQuery(word) }, { tag: word }]) {
			const found: string[] = [];
			for (let page = await searchClips(env.DB, { ...by, sort: 'latest', limit: 100 }); page.length > 0; ) {
				found.push(...page.map((row) => row.uri));
				const last = page.at(-1)!;
				page = await searchClips(env.DB, { ...by, sort: 'latest', limit: 100, after: { likes: 0, sortAt: last.sortAt, uri: last.uri } });
			}
			expect(found).toEqual(uris.slice(-MAX_MATCHES).reverse());
		}
	});

	it(`notifications list and count the recipient's ${WINDOW} newest`, async () => {
		const [recipient, follower] = [newDid(), newDid()];
		await seedActor(follower, 'follower.test');
		const rows = Array.from({ length: WINDOW + 3 }, (_, i) =>
			env.DB.prepare(`INSERT INTO notifications (recipient, reason, author, uri, indexed_at) VALUES (?1, 'follow', ?2, ?3, ?4)`).bind(
				recipient, follower, `at://${follower}/app.bsky.graph.follow/3kbound${String(i).padStart(6, '0')}`, new Date(Date.now() - 1000 + i).toISOString(),
			),
		);
		await env.DB.batch(rows);
		expect(await unreadCount(env.DB, recipient)).toBe(WINDOW);
		const seen = new Set<number>();
		for (let page = await notificationPage(env.DB, recipient, 100); page.length > 0; page = await notificationPage(env.DB, recipient, 100, page.at(-1)!.head)) {
			for (const row of page) seen.add(row.head);
		}
		expect(seen.size).toBe(WINDOW);
	});
});
