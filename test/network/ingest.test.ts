import type { AtpAgent } from '@atproto/api';
import { TestPds } from '@atproto/dev-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, eventually, postClip, startStack, xrpc, type Posted, type Stack } from './harness.ts';

type ClipView = { uri: string; cid: string; author: { did: string; handle: string }; record: Record<string, unknown> };
type Clips = { clips: ClipView[]; cursor?: string };

let stack: Stack;
let alice: AtpAgent;
let bob: AtpAgent;
const base = () => stack.worker.url;

const getClip = (uri: string) => xrpc<{ clip: ClipView; error?: string }>(base(), 'video.dreamreel.getClip', { uri });
const authorFeed = (actor: string, params: Record<string, string> = {}) =>
	xrpc<Clips>(base(), 'video.dreamreel.getAuthorFeed', { actor, ...params });
const health = async () => (await xrpc<{ ingest: { rejected: number; applied: number } }>(base(), '_health')).body.ingest;
const indexed = (uri: string) =>
	eventually(async () => {
		const { status, body } = await getClip(uri);
		expect(status).toBe(200);
		return body.clip;
	});

beforeAll(async () => {
	stack = await startStack({ pds: 2683, plc: 2682, worker: 8788 });
	alice = await createAccount(stack.network.pdsUrl, 'alice');
	bob = await createAccount(stack.network.pdsUrl, 'bob');
});
afterAll(() => stack?.close());

describe('clips from the reference PDS', () => {
	it('a posted clip is returned by getClip and getAuthorFeed', async () => {
		const posted = await postClip(alice, { caption: 'first light' });
		const clip = await indexed(posted.uri);
		expect(clip).toMatchObject({ uri: posted.uri, cid: posted.cid, author: { did: alice.assertDid } });
		// The handle is verified both ways off the stream's path, so it may follow the clip by a moment.
		await eventually(async () => expect((await getClip(posted.uri)).body.clip.author.handle).toBe('alice.test'));
		const { body } = await authorFeed('alice.test');
		expect(body.clips.map((c) => c.uri)).toContain(posted.uri);
	});

	it('an updated clip shows its new version', async () => {
		const posted = await postClip(alice, { caption: 'draft' });
		await indexed(posted.uri);
		const rkey = posted.uri.split('/').pop()!;
		const current = (await alice.com.atproto.repo.getRecord({ repo: alice.assertDid, collection: 'video.dreamreel.clip', rkey })).data;
		const { data } = await alice.com.atproto.repo.putRecord({
			repo: alice.assertDid,
			collection: 'video.dreamreel.clip',
			rkey,
			record: { ...(current.value as object), caption: 'final cut' },
		});
		await eventually(async () => expect((await getClip(posted.uri)).body.clip).toMatchObject({ cid: data.cid, record: { caption: 'final cut' } }));
	});

	it('a deleted clip disappears', async () => {
		const posted = await postClip(alice);
		await indexed(posted.uri);
		await alice.com.atproto.repo.deleteRecord({ repo: alice.assertDid, collection: 'video.dreamreel.clip', rkey: posted.uri.split('/').pop()! });
		await eventually(async () => expect((await getClip(posted.uri)).status).toBe(404));
		expect((await authorFeed('alice.test')).body.clips.map((c) => c.uri)).not.toContain(posted.uri);
	});

	it('pages the author feed with a cursor, newest first, without repeats', async () => {
		const posted: Posted[] = [];
		for (let i = 0; i < 5; i++) posted.push(await postClip(bob, { caption: `page ${i}` }));
		await indexed(posted.at(-1)!.uri);
		const first = await authorFeed('bob.test', { limit: '3' });
		expect(first.body.clips).toHaveLength(3);
		const second = await authorFeed('bob.test', { limit: '3', cursor: first.body.cursor! });
		const uris = [...first.body.clips, ...second.body.clips].map((c) => c.uri);
		expect(new Set(uris).size).toBe(uris.length);
		expect(uris.slice(0, 5)).toEqual(posted.map((p) => p.uri).reverse());
	});

	it('an unknown actor is ActorNotFound', async () => {
		const { status, body } = await authorFeed('nobody.test');
		expect(status).toBe(404);
		expect(body).toMatchObject({ error: 'ActorNotFound' });
	});
});

describe('remixes and lineage', () => {
	it('a remix shows in getRemixes, and getLineage walks up to the root and down the tree', async () => {
		const root = await postClip(alice, { caption: 'the original' });
		const remix = await postClip(bob, { caption: 'bob’s take' }, { parent: root, root });
		const remixOfRemix = await postClip(alice, { caption: 'alice answers' }, { parent: remix, root });
		await indexed(remixOfRemix.uri);

		const remixes = await xrpc<Clips>(base(), 'video.dreamreel.getRemixes', { uri: root.uri });
		expect(remixes.body.clips.map((c) => c.uri)).toEqual([remix.uri]);

		const middle = await xrpc<{ ancestors: { uri: string }[]; descendants: { clip: { uri: string }; children: unknown[] }[] }>(
			base(),
			'video.dreamreel.getLineage',
			{ uri: remix.uri },
		);
		expect(middle.body.ancestors.map((a) => a.uri)).toEqual([root.uri]);
		expect(middle.body.descendants.map((d) => d.clip.uri)).toEqual([remixOfRemix.uri]);

		const top = await xrpc<{ descendants: { clip: { uri: string }; children: { clip: { uri: string } }[] }[] }>(
			base(),
			'video.dreamreel.getLineage',
			{ uri: root.uri },
		);
		expect(top.body.descendants[0]?.clip.uri).toBe(remix.uri);
		expect(top.body.descendants[0]?.children.map((c) => c.clip.uri)).toEqual([remixOfRemix.uri]);
	});
});

describe('bad records', () => {
	it('malformed records are rejected and counted, and the stream keeps going', async () => {
		const before = (await health()).rejected;
		const write = (record: Record<string, unknown>, collection = 'video.dreamreel.clip') =>
			bob.com.atproto.repo.createRecord({ repo: bob.assertDid, collection, record, validate: false });
		const { data: blob } = await bob.uploadBlob(new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]), { encoding: 'video/mp4' });
		await write({ $type: 'video.dreamreel.clip', video: blob.blob, createdAt: 42 }); // wrong type
		await write({ $type: 'video.dreamreel.clip', createdAt: new Date().toISOString() }); // missing video
		await write({ $type: 'video.dreamreel.clip', video: blob.blob, prompt: 'p'.repeat(2001), createdAt: new Date().toISOString() }); // oversized
		const ref = { uri: 'not an at-uri', cid: 'bafy' };
		await write({ $type: 'video.dreamreel.remix', video: blob.blob, parent: ref, root: ref, createdAt: new Date().toISOString() }, 'video.dreamreel.remix'); // bad strong refs
		await write({ $type: 'video.dreamreel.consent', audience: 'strangers', createdAt: new Date().toISOString() }, 'video.dreamreel.consent');
		const after = await postClip(bob, { caption: 'still flowing' });
		await indexed(after.uri);
		expect((await health()).rejected - before).toBe(5);
	});
});

describe('accounts and identity', () => {
	it('a deactivated account disappears from every view and returns when reactivated', async () => {
		const carol = await createAccount(stack.network.pdsUrl, 'carol');
		const clip = await postClip(carol);
		const remix = await postClip(carol, {}, { parent: clip, root: clip });
		await indexed(remix.uri);
		await carol.com.atproto.server.deactivateAccount({});
		await eventually(async () => expect((await getClip(clip.uri)).status).toBe(404));
		expect((await authorFeed(carol.assertDid)).status).toBe(404);
		await carol.com.atproto.server.activateAccount();
		await indexed(clip.uri);
		expect((await xrpc<Clips>(base(), 'video.dreamreel.getRemixes', { uri: clip.uri })).body.clips).toHaveLength(1);
	});

	it('a handle change is reflected', async () => {
		const dave = await createAccount(stack.network.pdsUrl, 'dave');
		const clip = await postClip(dave);
		await indexed(clip.uri);
		await dave.com.atproto.identity.updateHandle({ handle: 'david.test' });
		await eventually(async () => expect((await getClip(clip.uri)).body.clip.author.handle).toBe('david.test'));
	});
});

describe('backfill', () => {
	it('following a creator the index has never seen brings in their existing clips', async () => {
		// A second PDS that the worker does not subscribe to: its clips can only arrive by backfill.
		const elsewhere = await TestPds.create({
			didPlcUrl: stack.network.plcUrl,
			port: 2684,
			devMode: true,
			disableSsrfProtection: true,
			blobUploadLimit: 100 * 1024 * 1024,
		});
		try {
			const erin = await createAccount(elsewhere.url, 'erin');
			const clips = [await postClip(erin, { caption: 'one' }), await postClip(erin, { caption: 'two' })];
			await alice.app.bsky.graph.follow.create({ repo: alice.assertDid }, { subject: erin.assertDid, createdAt: new Date().toISOString() });
			await eventually(async () => {
				const { body } = await authorFeed(erin.assertDid);
				expect(body.clips?.map((c) => c.uri).sort()).toEqual(clips.map((c) => c.uri).sort());
			}, 20_000);
		} finally {
			await elsewhere.close();
		}
	});
});
