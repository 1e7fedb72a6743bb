import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, eventually, postClip, startStack, xrpc, type Posted, type Stack } from './harness.ts';

let stack: Stack;
let person: AtpAgent; // whose likeness appears
let follower: AtpAgent; // follows the person
let mutual: AtpAgent; // follows and is followed back
let stranger: AtpAgent;
const clips = new Map<AtpAgent, Posted>();

const follow = (agent: AtpAgent, subject: AtpAgent) =>
	agent.app.bsky.graph.follow.create({ repo: agent.assertDid }, { subject: subject.assertDid, createdAt: new Date().toISOString() });

const grant = (consent: Record<string, unknown>) =>
	person.com.atproto.repo.putRecord({
		repo: person.assertDid,
		collection: 'video.dreamreel.consent',
		rkey: 'self',
		record: { $type: 'video.dreamreel.consent', createdAt: new Date().toISOString(), ...consent },
	});

const visible = async (uri: string) => (await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri })).status === 200;

/** Which authors' clips featuring the person are shown, in the order follower, mutual, stranger. */
const shown = async () => Promise.all([follower, mutual, stranger].map((author) => visible(clips.get(author)!.uri)));

beforeAll(async () => {
	stack = await startStack({ pds: 2983, plc: 2982, worker: 8791 });
	const pds = stack.network.pdsUrl;
	[person, follower, mutual, stranger] = (await Promise.all(['pat', 'fay', 'max', 'sam'].map((name) => createAccount(pds, name)))) as [AtpAgent, AtpAgent, AtpAgent, AtpAgent];
	await follow(follower, person!);
	await follow(mutual, person!);
	await follow(person!, mutual!);
	for (const author of [follower!, mutual!, stranger!]) clips.set(author, await postClip(author, { cameos: [person!.assertDid] }));
	await eventually(async () => expect((await xrpc(stack.worker.url, 'video.dreamreel.getAuthorFeed', { actor: stranger!.assertDid })).status).toBe(200));
});
afterAll(() => stack?.close());

describe('cameo consent at read time', () => {
	it('without any consent record, no clip featuring the person is shown', async () => {
		expect(await shown()).toEqual([false, false, false]);
	});

	it.each([
		['self', {}, [false, false, false]],
		['listed', { allowed: ['STRANGER'] }, [false, false, true]],
		['followers', {}, [true, true, false]],
		['mutuals', {}, [false, true, false]],
		['everyone', {}, [true, true, true]],
	] as const)('audience %s shows exactly the allowed authors', async (audience, extra, expected) => {
		const allowed = 'allowed' in extra ? { allowed: [stranger.assertDid] } : {};
		await grant({ audience, ...allowed });
		await eventually(async () => expect(await shown()).toEqual(expected));
	});

	it('an expired grant no longer counts', async () => {
		await grant({ audience: 'everyone', expiresAt: new Date(Date.now() - 60_000).toISOString() });
		await eventually(async () => expect(await shown()).toEqual([false, false, false]));
	});

	it('revoking (deleting the record) hides the clips within a second of ingestion, and re-granting brings them back', async () => {
		await grant({ audience: 'everyone' });
		await eventually(async () => expect(await shown()).toEqual([true, true, true]));
		await person.com.atproto.repo.deleteRecord({ repo: person.assertDid, collection: 'video.dreamreel.consent', rkey: 'self' });
		const revoked = Date.now();
		await eventually(async () => expect(await shown()).toEqual([false, false, false]));
		expect(Date.now() - revoked).toBeLessThan(5_000);
		await grant({ audience: 'everyone' });
		await eventually(async () => expect(await shown()).toEqual([true, true, true]));
	});

	it('hides the clip from feeds and lineage too, not only getClip', async () => {
		await grant({ audience: 'self' });
		await eventually(async () => expect(await shown()).toEqual([false, false, false]));
		const feed = await xrpc<{ clips: { uri: string }[] }>(stack.worker.url, 'video.dreamreel.getAuthorFeed', { actor: follower.assertDid });
		expect(feed.status).toBe(200);
		expect(feed.body.clips.map((clip) => clip.uri)).not.toContain(clips.get(follower)!.uri);
	});
});

describe('remix policy at read time', () => {
	it('a remix shows only when the parent’s policy allows its author', async () => {
		const original = await postClip(person, { remixPolicy: 'followers' });
		const byFollower = await postClip(follower, {}, { parent: original, root: original });
		const byStranger = await postClip(stranger, {}, { parent: original, root: original });
		await eventually(async () => expect(await visible(byFollower.uri)).toBe(true));
		expect(await visible(byStranger.uri)).toBe(false);
		const remixes = await xrpc<{ clips: { uri: string }[] }>(stack.worker.url, 'video.dreamreel.getRemixes', { uri: original.uri });
		expect(remixes.body.clips.map((clip) => clip.uri)).toEqual([byFollower.uri]);
	});

	it('a cameo who disallows remixes hides remixes of clips featuring them', async () => {
		await grant({ audience: 'everyone', allowRemix: false });
		const original = clips.get(mutual)!;
		await eventually(async () => expect(await visible(original.uri)).toBe(true));
		const remix = await postClip(stranger, {}, { parent: original, root: original });
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(await visible(remix.uri)).toBe(false);
		await grant({ audience: 'everyone', allowRemix: true });
		await eventually(async () => expect(await visible(remix.uri)).toBe(true));
	});
});
