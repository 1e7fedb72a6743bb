// Fan-out pushes only to people who read their timeline here; a reader's first read fills their
// timeline from whom they follow, and drops what was pushed of creators they no longer follow.
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { fanOutStep } from '../../../worker/feeds/fanout.ts';
import { ensureReader } from '../../../worker/feeds/readers.ts';
import { newDid, seedClip, seedFollow } from '../index-fixtures.ts';

const timeline = (viewer: string) => env.TIMELINE.getByName(viewer);
const app = { db: env.DB, timeline, config: { fanoutMaxFollowers: 250 } } as Parameters<typeof ensureReader>[0];
const uris = async (viewer: string) => (await timeline(viewer).page(100)).map((item) => item.uri).sort();

it('pushes only to readers, and fills a new reader’s timeline on their first read', async () => {
	const [creator, unfollowed, reader, newcomer] = [newDid(), newDid(), newDid(), newDid()];
	await seedFollow(reader, creator);
	await seedFollow(newcomer, creator);
	await ensureReader(app, reader);
	const older = await seedClip(creator);
	// Pushed to the newcomer before they read here, when they still followed someone they since left.
	const stale = await seedClip(unfollowed);
	await timeline(newcomer).add([{ uri: stale.uri, author: unfollowed, sortAt: new Date().toISOString() }]);

	const post = await seedClip(creator);
	const deps = { db: env.DB, timeline, maxFollowers: 250 };
	await fanOutStep(deps, { kind: 'post', uri: post.uri, author: creator, sortAt: new Date().toISOString() });
	expect(await uris(reader)).toEqual([post.uri]);
	expect(await uris(newcomer)).toEqual([stale.uri]);

	await ensureReader(app, newcomer);
	expect(await uris(newcomer)).toEqual([older.uri, post.uri].sort());
	const row = await env.DB.prepare('SELECT built FROM timeline_readers WHERE did = ?1').bind(newcomer).first<{ built: number }>();
	expect(row?.built).toBe(1);
});
