import { env, exports } from 'cloudflare:workers';
import type { Nsid } from '@atcute/lexicons';
import { beforeAll, describe, expect, it } from 'vitest';
import { newDid, seedActor, seedClip, type Ref } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

// The rankings reuse a pool computed seconds ago (worker/feeds/pool.ts); these are the ways that
// must not leak: every request below follows the one that computed the pool, well within its life.

const TRENDING = `at://did:web:localhost%3A8787/app.bsky.feed.generator/trending`;

async function call<T>(nsid: Nsid, query: string, viewer?: SignedAccount): Promise<T> {
	const response = await exports.default.fetch(`http://localhost:8787/xrpc/${nsid}?${query}`, viewer ? { headers: await viewer.headers(nsid) } : {});
	expect(response.status).toBe(200);
	return response.json<T>();
}

const forYou = async (viewer?: SignedAccount) =>
	(await call<{ clips: { uri: string }[] }>('video.dreamreel.getForYou', 'limit=100', viewer)).clips.map((clip) => clip.uri);
const trending = async (viewer?: SignedAccount) =>
	(await call<{ feed: { post: string }[] }>('app.bsky.feed.getFeedSkeleton', `feed=${encodeURIComponent(TRENDING)}&limit=100`, viewer)).feed.map((item) => item.post);

async function creator(): Promise<string> {
	const did = newDid();
	await seedActor(did, `p-${did.slice(-8)}.test`);
	return did;
}

/** A clip and its Bluesky cross-post (same author, same video): what the trending feed serves. */
async function sharedClip(did: string): Promise<{ clip: Ref; post: string }> {
	const videoCid = `bafkreipool${crypto.randomUUID().slice(0, 8)}`;
	const clip = await seedClip(did, { videoCid });
	const post = `at://${did}/app.bsky.feed.post/${crypto.randomUUID().slice(0, 13)}`;
	await env.DB.prepare('INSERT INTO crossposts (uri, did, video_cid, created_at) VALUES (?1, ?2, ?3, ?4)').bind(post, did, videoCid, new Date().toISOString()).run();
	return { clip, post };
}

const block = (did: string, subject: string) =>
	env.DB.prepare('INSERT INTO blocks (uri, did, subject, created_at) VALUES (?1, ?2, ?3, ?4)')
		.bind(`at://${did}/app.bsky.graph.block/${crypto.randomUUID().slice(0, 13)}`, did, subject, new Date().toISOString())
		.run();

describe('rankings from a shared pool', () => {
	// Everything is written before the first read computes the pool, which every test then reuses.
	let deactivated: { clip: Ref; post: string };
	let blocked: { author: string; clip: Ref; post: string };
	let adult: Ref;
	let viewer: SignedAccount;
	let bystander: SignedAccount;
	beforeAll(async () => {
		deactivated = await sharedClip(await creator());
		const author = await creator();
		blocked = { author, ...(await sharedClip(author)) };
		adult = await seedClip(await creator(), { labels: ['nudity'] });
		[viewer, bystander] = [await signedAccount(newDid()), await signedAccount(newDid())];
		for (const { did } of [viewer, bystander]) await seedActor(did, `v-${did.slice(-8)}.test`);
		await env.DB.prepare('INSERT INTO preferences (did, adult_content, updated_at) VALUES (?1, 1, ?2)').bind(viewer.did, new Date().toISOString()).run();
	});

	it('drop a clip whose author was deactivated after the pool was computed', async () => {
		expect(await forYou()).toContain(deactivated.clip.uri);
		expect(await trending()).toContain(deactivated.post);
		await env.DB.prepare('UPDATE actors SET active = 0 WHERE did = ?1').bind(deactivated.clip.uri.split('/')[2]).run();
		expect(await forYou()).not.toContain(deactivated.clip.uri);
		expect(await trending()).not.toContain(deactivated.post);
	});

	it('drop, for one viewer only, the clips of someone they blocked after the pool was computed', async () => {
		expect(await trending(viewer)).toContain(blocked.post);
		await block(viewer.did, blocked.author);
		expect(await trending(viewer)).not.toContain(blocked.post);
		expect(await forYou(viewer)).not.toContain(blocked.clip.uri);
		expect(await trending(bystander)).toContain(blocked.post);
	});

	it('give a viewer who turned adult content on the adult-labelled clips anonymous viewers do not get', async () => {
		expect(await forYou()).not.toContain(adult.uri);
		expect(await forYou(viewer)).toContain(adult.uri);
	});
});
