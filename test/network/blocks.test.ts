// Blocks and mutes against the reference PDS: blocks made with @atproto/api, as any Bluesky app makes
// them (one person, or a moderation list), reach the index through the firehose and hide both ways;
// mutes go through the user's PDS (atproto-proxy) and stay private.
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, eventually, postClip, serviceToken, startStack, viaPds as callViaPds, xrpc, type Posted, type Stack } from './harness.ts';

let stack: Stack;
let alice: AtpAgent;
let mallory: AtpAgent;
let bob: AtpAgent;
let aliceClip: Posted;
let malloryClip: Posted;

const now = () => new Date().toISOString();

/** The URIs of `author`'s clips that `viewer` (signed in with a PDS-minted token) or an anonymous reader is shown. */
async function feedOf(author: AtpAgent, viewer?: AtpAgent): Promise<string[]> {
	const lxm = 'video.dreamreel.getAuthorFeed';
	const headers = viewer ? await serviceToken(viewer, stack.serviceDid, lxm) : {};
	const result = await xrpc<{ clips: { uri: string }[] }>(stack.worker.url, lxm, { actor: author.assertDid }, headers);
	expect(result.status).toBe(200);
	return result.body.clips.map((clip) => clip.uri);
}

const viaPds = (agent: AtpAgent, nsid: string, body?: unknown, query = '') => callViaPds(stack, agent, nsid, body, query);

beforeAll(async () => {
	stack = await startStack({ pds: 4183, plc: 4184, worker: 8810 });
	const pds = stack.network.pdsUrl;
	[alice, mallory, bob] = (await Promise.all(['alice', 'mallory', 'bob'].map((name) => createAccount(pds, name)))) as [AtpAgent, AtpAgent, AtpAgent];
	aliceClip = await postClip(alice, { caption: 'my garden' });
	malloryClip = await postClip(mallory, { caption: 'hello' });
	await eventually(async () => expect([await feedOf(alice), await feedOf(mallory)]).toEqual([[aliceClip.uri], [malloryClip.uri]]));
}, 60_000);
afterAll(() => stack?.close());

describe('a block made with @atproto/api', () => {
	it('hides both ways, and from no one else, until it is undone', async () => {
		expect(await feedOf(alice, mallory)).toEqual([aliceClip.uri]);
		const { uri } = await alice.app.bsky.graph.block.create({ repo: alice.assertDid }, { subject: mallory.assertDid, createdAt: now() });
		await eventually(async () => expect([await feedOf(alice, mallory), await feedOf(mallory, alice)]).toEqual([[], []]));
		expect([await feedOf(alice, bob), await feedOf(alice)]).toEqual([[aliceClip.uri], [aliceClip.uri]]);
		const remix = await postClip(mallory, { caption: 'a remix of yours' }, { parent: aliceClip, root: aliceClip });
		const generate = await viaPds(mallory, 'video.dreamreel.generate', { prompt: 'the same garden', remixOf: aliceClip.uri, idempotencyKey: `k-${Date.now()}` });
		expect([generate.status, generate.body.error]).toEqual([403, 'Blocked']);
		await alice.app.bsky.graph.block.delete({ repo: alice.assertDid, rkey: uri.split('/').pop()! });
		await eventually(async () => expect(await feedOf(alice, mallory)).toEqual([aliceClip.uri]));
		// The remix made during the block shows once it is lifted: hidden, never deleted.
		await eventually(async () => expect(await feedOf(mallory)).toContain(remix.uri));
	}, 30_000);

	it('through a moderation list the viewer subscribes to', async () => {
		const { uri: list } = await bob.app.bsky.graph.list.create(
			{ repo: bob.assertDid },
			{ purpose: 'app.bsky.graph.defs#modlist', name: 'not here', createdAt: now() },
		);
		await bob.app.bsky.graph.listitem.create({ repo: bob.assertDid }, { list, subject: mallory.assertDid, createdAt: now() });
		expect(await feedOf(mallory, bob)).not.toEqual([]);
		await bob.app.bsky.graph.listblock.create({ repo: bob.assertDid }, { subject: list, createdAt: now() });
		await eventually(async () => expect([await feedOf(mallory, bob), await feedOf(bob, mallory)]).toEqual([[], []]));
	}, 30_000);
});

describe('mutes through the PDS', () => {
	it('are the viewer’s own and listed to them alone', async () => {
		expect((await viaPds(alice, 'video.dreamreel.muteActor', { actor: bob.session!.handle })).status).toBe(200);
		const mine = await viaPds(alice, 'video.dreamreel.getMutes');
		expect(mine.status).toBe(200);
		expect((mine.body.mutes as { did: string }[]).map((profile) => profile.did)).toEqual([bob.assertDid]);
		expect((await viaPds(bob, 'video.dreamreel.getMutes')).body.mutes).toEqual([]);
		// Nothing was written to a repo.
		const { data } = await alice.com.atproto.repo.describeRepo({ repo: alice.assertDid });
		expect(data.collections.filter((collection) => collection.includes('mute'))).toEqual([]);
		expect((await viaPds(alice, 'video.dreamreel.unmuteActor', { actor: bob.assertDid })).status).toBe(200);
		expect((await viaPds(alice, 'video.dreamreel.getMutes')).body.mutes).toEqual([]);
	});
});
