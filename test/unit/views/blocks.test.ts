import { env, exports } from 'cloudflare:workers';
import type { Nsid } from '@atcute/lexicons';
import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import { checkPermissions } from '../../../worker/jobs/permissions.ts';
import type { VideoDreamreelDefs, VideoDreamreelGetCameoClips } from '../../../worker/lexicons/index.ts';
import { newDid, seedActor, seedClip, seedConsent, type Ref } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

type ClipView = VideoDreamreelDefs.ClipView;

async function get(nsid: Nsid, query: string, viewer?: SignedAccount): Promise<Response> {
	return exports.default.fetch(`http://localhost:8787/xrpc/${nsid}?${query}`, viewer ? { headers: await viewer.headers(nsid) } : {});
}

async function call<T>(nsid: Nsid, query: string, viewer?: SignedAccount): Promise<T> {
	const response = await get(nsid, query, viewer);
	expect(response.status).toBe(200);
	return response.json<T>();
}

const uriParam = (clip: Ref) => `uri=${encodeURIComponent(clip.uri)}`;
const authorFeed = async (author: string, viewer?: SignedAccount) =>
	(await call<{ clips: ClipView[] }>('video.dreamreel.getAuthorFeed', `actor=${author}`, viewer)).clips.map((clip) => clip.uri);
const getClip = async (clip: Ref, viewer?: SignedAccount) => (await call<{ clip: ClipView }>('video.dreamreel.getClip', uriParam(clip), viewer)).clip;

async function person(): Promise<SignedAccount> {
	const did = newDid();
	await seedActor(did, `b-${did.slice(-8)}.test`);
	return signedAccount(did);
}

let revs = 0;
/** Writes a graph record the way the network stream does, and returns its URI. */
async function write(did: string, collection: string, record: object): Promise<string> {
	revs += 1;
	const rkey = `3kblock${Date.now().toString(36)}${revs}`;
	const uri = `at://${did}/${collection}/${rkey}`;
	const result = await applyEvents(env.DB, [
		{ kind: 'commit', cursor: revs, did, rev: `3z${String(revs).padStart(11, '0')}`, ops: [{ action: 'create', uri, collection, rkey, cid: 'bafyreiblock', record: { $type: collection, ...record, createdAt: new Date().toISOString() } }] },
	]);
	expect(result.applied).toBe(1);
	return uri;
}

async function remove(uri: string): Promise<void> {
	revs += 1;
	const [, , did, collection, rkey] = uri.split('/') as [string, string, string, string, string];
	await applyEvents(env.DB, [{ kind: 'commit', cursor: revs, did, rev: `3z${String(revs).padStart(11, '0')}`, ops: [{ action: 'delete', uri, collection, rkey }] }]);
}

const block = (did: string, subject: string) => write(did, 'app.bsky.graph.block', { subject });

async function comment(did: string, clip: Ref, text: string, thread?: { uri: string; cid: string }): Promise<string> {
	const uri = `at://${did}/video.dreamreel.comment/${crypto.randomUUID().slice(0, 13)}`;
	const now = new Date().toISOString();
	const record = { $type: 'video.dreamreel.comment', subject: clip, text, createdAt: now, ...(thread ? { reply: { root: thread, parent: thread } } : {}) };
	await env.DB.prepare('INSERT INTO comments (uri, cid, did, subject_uri, thread_uri, record, indexed_at, sort_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)')
		.bind(uri, 'bafyreicomment', did, clip.uri, thread?.uri ?? null, JSON.stringify(record), now)
		.run();
	return uri;
}

async function like(did: string, clip: Ref): Promise<void> {
	await env.DB.prepare('INSERT INTO likes (uri, did, subject_uri, created_at) VALUES (?1, ?2, ?3, ?4)')
		.bind(`at://${did}/video.dreamreel.like/${crypto.randomUUID().slice(0, 13)}`, did, clip.uri, new Date().toISOString())
		.run();
}

describe('blocks', () => {
	it('hide each one’s clips from the other, both ways, and from no one else', async () => {
		const [alice, mallory, bystander] = [await person(), await person(), await person()];
		const [aliceClip, malloryClip] = [await seedClip(alice.did), await seedClip(mallory.did)];
		await block(alice.did, mallory.did);
		expect(await authorFeed(alice.did, mallory)).toEqual([]);
		expect(await authorFeed(mallory.did, alice)).toEqual([]);
		expect((await get('video.dreamreel.getClip', uriParam(aliceClip), mallory)).status).toBe(404);
		expect((await get('video.dreamreel.getClip', uriParam(malloryClip), alice)).status).toBe(404);
		const both = await call<{ clips: ClipView[] }>('video.dreamreel.getClips', `uris=${encodeURIComponent(aliceClip.uri)}&uris=${encodeURIComponent(malloryClip.uri)}`, alice);
		expect(both.clips.map((clip) => clip.uri)).toEqual([aliceClip.uri]);
		expect(await authorFeed(alice.did, bystander)).toEqual([aliceClip.uri]);
		expect(await authorFeed(alice.did)).toEqual([aliceClip.uri]);
	});

	it('hide everything in For You between the two', async () => {
		const [alice, mallory] = [await person(), await person()];
		const clip = await seedClip(mallory.did);
		await block(mallory.did, alice.did);
		const seen: string[] = [];
		for (let cursor: string | undefined, i = 0; i < 20; i++) {
			const page = await call<{ clips: ClipView[]; cursor?: string }>('video.dreamreel.getForYou', `limit=100${cursor ? `&cursor=${cursor}` : ''}`, alice);
			seen.push(...page.clips.map((view) => view.uri));
			if (page.clips.every((view) => view.feedContext === 'rewatch')) break;
			cursor = page.cursor;
		}
		expect(seen).not.toContain(clip.uri);
	});

	it('lift when the block is deleted', async () => {
		const [alice, mallory] = [await person(), await person()];
		const clip = await seedClip(alice.did);
		const uri = await block(alice.did, mallory.did);
		expect(await authorFeed(alice.did, mallory)).toEqual([]);
		await remove(uri);
		expect(await authorFeed(alice.did, mallory)).toEqual([clip.uri]);
	});

	it('count through a block list the blocker subscribes to, only for items its owner wrote', async () => {
		const [alice, mallory, listOwner, forger] = [await person(), await person(), await person(), await person()];
		const list = `at://${listOwner.did}/app.bsky.graph.list/3kmodlist`;
		const clip = await seedClip(mallory.did);
		await write(alice.did, 'app.bsky.graph.listblock', { subject: list });
		await write(forger.did, 'app.bsky.graph.listitem', { list, subject: mallory.did });
		expect(await authorFeed(mallory.did, alice)).toEqual([clip.uri]);
		const item = await write(listOwner.did, 'app.bsky.graph.listitem', { list, subject: mallory.did });
		expect(await authorFeed(mallory.did, alice)).toEqual([]);
		expect(await authorFeed(alice.did, mallory)).toEqual([]);
		await remove(item);
		expect(await authorFeed(mallory.did, alice)).toEqual([clip.uri]);
	});

	it('hide the comments of either under the other’s clips and comments from everyone, and a blocked commenter from the viewer', async () => {
		const [alice, mallory, bob, carol, dave] = [await person(), await person(), await person(), await person(), await person()];
		const clip = await seedClip(alice.did);
		await comment(mallory.did, clip, 'hostile');
		const bobs = await comment(bob.did, clip, 'nice');
		await comment(carol.did, clip, 'carol replies', { uri: bobs, cid: 'bafyreicomment' });
		await comment(dave.did, clip, 'dave replies', { uri: bobs, cid: 'bafyreicomment' });
		await comment(carol.did, clip, 'carol says');
		await block(alice.did, mallory.did);
		await block(bob.did, carol.did);
		const texts = async (viewer?: SignedAccount) => {
			const { comments } = await call<{ comments: VideoDreamreelDefs.CommentView[] }>('video.dreamreel.getComments', uriParam(clip), viewer);
			return comments.map((view) => [view.record.text, view.replies.map((reply) => reply.record.text)]);
		};
		expect(await texts()).toEqual([['carol says', []], ['nice', ['dave replies']]]);
		expect(await texts(bob)).toEqual([['nice', ['dave replies']]]);
		expect((await getClip(clip)).commentCount).toBe(3);
	});

	it('keep likes of either off the other’s clips', async () => {
		const [alice, mallory, bob] = [await person(), await person(), await person()];
		const clip = await seedClip(alice.did);
		await like(mallory.did, clip);
		await like(bob.did, clip);
		expect((await getClip(clip)).likeCount).toBe(2);
		await block(mallory.did, alice.did);
		expect((await getClip(clip)).likeCount).toBe(1);
	});

	it('hide a remix by either of the other’s clip from everyone, and refuse it, saying why', async () => {
		const [alice, mallory, bob] = [await person(), await person(), await person()];
		const original = await seedClip(alice.did);
		const remix = await seedClip(mallory.did, { lineage: { parent: original, root: original } });
		const deeper = await seedClip(bob.did, { lineage: { parent: remix, root: original } });
		expect((await call<{ clips: ClipView[] }>('video.dreamreel.getRemixes', uriParam(original))).clips.map((view) => view.uri)).toEqual([remix.uri]);
		await block(alice.did, mallory.did);
		expect((await call<{ clips: ClipView[] }>('video.dreamreel.getRemixes', uriParam(original))).clips).toEqual([]);
		expect((await get('video.dreamreel.getClip', uriParam(deeper))).status).toBe(404);
		expect((await getClip(original)).remixCount).toBe(0);
		const seen = await getClip(original, mallory).catch(() => undefined);
		expect(seen).toBeUndefined();
		expect((await getClip(original, bob)).viewer).toEqual({ canRemix: true });
		const another = await seedClip(alice.did);
		await block(bob.did, alice.did);
		const permission = await checkPermissions(env.DB, mallory.did, [], another.uri);
		expect(permission).toMatchObject({ ok: false, error: 'Blocked', status: 403 });
		expect(await checkPermissions(env.DB, bob.did, [], another.uri)).toMatchObject({ ok: false, error: 'Blocked' });
	});

	it('say `block` as the viewer’s remix refusal when someone featured up the chain is in a block with them', async () => {
		const [alice, star, viewer] = [await person(), await person(), await person()];
		await seedConsent(star.did, 'everyone');
		const clip = await seedClip(alice.did, { cameos: [star.did] });
		expect((await getClip(clip, viewer)).viewer).toEqual({ canRemix: true });
		await block(star.did, viewer.did);
		// The viewer still sees the clip (its author is not in the block) but may not remix it.
		expect((await getClip(clip, viewer)).viewer).toEqual({ canRemix: false, remixRefusal: 'block' });
	});

	it('forbid featuring each other: such a clip is hidden, the featured person is told why, generate refuses', async () => {
		const [alice, star] = [await person(), await person()];
		await seedConsent(star.did, 'everyone');
		const clip = await seedClip(alice.did, { cameos: [star.did] });
		expect(await authorFeed(alice.did)).toEqual([clip.uri]);
		await block(star.did, alice.did);
		expect(await authorFeed(alice.did)).toEqual([]);
		const { clips } = await call<VideoDreamreelGetCameoClips.$output>('video.dreamreel.getCameoClips', '', star);
		expect(clips.map((item) => [item.clip.uri, item.state, item.reason])).toEqual([[clip.uri, 'hidden', 'blocked']]);
		expect(await checkPermissions(env.DB, alice.did, [star.did])).toMatchObject({ ok: false, error: 'Blocked', status: 403 });
	});

	it('are kept from the stream only around accounts the index knows', async () => {
		const [stranger, other] = [newDid(), newDid()];
		const result = await applyEvents(env.DB, [
			{ kind: 'commit', cursor: 1, did: stranger, rev: '3zstranger111', ops: [{ action: 'create', uri: `at://${stranger}/app.bsky.graph.block/3kx`, collection: 'app.bsky.graph.block', rkey: '3kx', cid: 'bafyreiblock', record: { $type: 'app.bsky.graph.block', subject: other, createdAt: new Date().toISOString() } }] },
		]);
		expect(result.applied).toBe(0);
		expect(await env.DB.prepare('SELECT 1 FROM blocks WHERE did = ?1').bind(stranger).first()).toBeNull();
	});
});
