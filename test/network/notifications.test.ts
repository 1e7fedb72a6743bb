// Notifications against the reference PDS: records written with @atproto/api reach the real worker
// through the firehose, and each implies its notification once, for the right person only, never
// about a clip the feeds hide (except telling the featured person, with why).
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, eventually, postClip, serviceToken, startStack, xrpc, type Posted, type Stack } from './harness.ts';

type Item = { reason: string; uri: string; subject?: string; expiresAt?: string; authors: { did: string }[]; authorCount: number; isRead: boolean; featured?: { state: string; reason?: string } };

let stack: Stack;
let ann: AtpAgent; // the creator
let ben: AtpAgent;
let cal: AtpAgent; // featured, consents only later
let dee: AtpAgent;
let eve: AtpAgent;
let clip: Posted; // ann's

const list = async (agent: AtpAgent, params: Record<string, string> = {}) => {
	const headers = await serviceToken(agent, stack.serviceDid, 'video.dreamreel.listNotifications');
	const { status, body } = await xrpc<{ notifications: Item[]; cursor?: string }>(stack.worker.url, 'video.dreamreel.listNotifications', params, headers);
	expect(status).toBe(200);
	return body;
};
const items = async (agent: AtpAgent) => (await list(agent)).notifications;
const brief = async (agent: AtpAgent) => (await items(agent)).map((n) => [n.reason, n.authors.map((a) => a.did)]);

const unread = async (agent: AtpAgent) => {
	const headers = await serviceToken(agent, stack.serviceDid, 'video.dreamreel.getUnreadCount');
	const { status, body } = await xrpc<{ count: number }>(stack.worker.url, 'video.dreamreel.getUnreadCount', {}, headers);
	expect(status).toBe(200);
	return body.count;
};

const like = (agent: AtpAgent, subject: Posted) =>
	agent.com.atproto.repo.createRecord({
		repo: agent.assertDid,
		collection: 'video.dreamreel.like',
		record: { $type: 'video.dreamreel.like', subject, createdAt: new Date().toISOString() },
	});

const comment = async (agent: AtpAgent, subject: Posted, text: string, parent?: Posted) =>
	(
		await agent.com.atproto.repo.createRecord({
			repo: agent.assertDid,
			collection: 'video.dreamreel.comment',
			record: { $type: 'video.dreamreel.comment', subject, text, ...(parent ? { reply: { root: parent, parent } } : {}), createdAt: new Date().toISOString() },
		})
	).data;

const known = (agent: AtpAgent) =>
	eventually(async () => expect((await xrpc(stack.worker.url, 'video.dreamreel.getAuthorFeed', { actor: agent.assertDid })).status).toBe(200));

beforeAll(async () => {
	stack = await startStack({ pds: 4385, plc: 4386, worker: 8819 });
	[ann, ben, cal, dee, eve] = (await Promise.all(['ann', 'ben', 'cal', 'dee', 'eve'].map((name) => createAccount(stack.network.pdsUrl, name)))) as AtpAgent[] as [AtpAgent, AtpAgent, AtpAgent, AtpAgent, AtpAgent];
	clip = await postClip(ann, { caption: 'the first one' });
	// Every account posts once, so that the index knows them all (handles, for mentions and views).
	for (const agent of [ben, cal, dee, eve]) await postClip(agent!, { caption: 'hello' });
	for (const agent of [ann, ben, cal, dee, eve]) await known(agent!);
});
afterAll(() => stack?.close());

describe('notifications', () => {
	it('refuses an anonymous request', async () => {
		const { status, body } = await xrpc(stack.worker.url, 'video.dreamreel.listNotifications');
		expect([status, body.error]).toEqual([401, 'AuthMissing']);
	});

	it('likes of one clip come as one item, newest liker first, to the clip’s author only', async () => {
		await like(ben, clip);
		await eventually(async () => expect(await brief(ann)).toEqual([['like', [ben.assertDid]]]));
		await like(eve, clip);
		await eventually(async () => expect(await brief(ann)).toEqual([['like', [eve.assertDid, ben.assertDid]]]));
		expect((await items(ann))[0]).toMatchObject({ subject: clip.uri, authorCount: 2, isRead: false });
		for (const other of [ben, eve, cal]) expect(await items(other)).toEqual([]);
	});

	it('a comment tells the clip’s author, a reply the comment’s author, a mention the person named — once each', async () => {
		const first = await comment(ben, clip, 'lovely');
		await eventually(async () => expect((await brief(ann))[0]).toEqual(['comment', [ben.assertDid]]));
		await comment(ann, clip, 'thanks! @eve.test look', first);
		await eventually(async () => expect(await brief(ben)).toEqual([['reply', [ann.assertDid]]]));
		await eventually(async () => expect(await brief(eve)).toEqual([['mention', [ann.assertDid]]]));
		// Ann's own reply tells Ann nothing.
		expect((await brief(ann)).map(([reason]) => reason)).toEqual(['comment', 'like']);
	});

	it('a follow tells the person followed', async () => {
		await dee.app.bsky.graph.follow.create({ repo: dee.assertDid }, { subject: ann.assertDid, createdAt: new Date().toISOString() });
		await eventually(async () => expect((await brief(ann))[0]).toEqual(['follow', [dee.assertDid]]));
	});

	it('a remix tells everyone up its chain', async () => {
		const remix = await postClip(ben, { caption: 'my take' }, { parent: clip, root: clip });
		await eventually(async () => expect((await items(ann))[0]).toMatchObject({ reason: 'remix', uri: remix.uri }));
		const deeper = await postClip(dee, { caption: 'my take on that' }, { parent: remix, root: clip });
		await eventually(async () => expect((await items(ben))[0]).toMatchObject({ reason: 'remix', uri: deeper.uri }));
		await eventually(async () => expect((await items(ann))[0]).toMatchObject({ reason: 'remix', uri: deeper.uri }));
		expect((await items(dee)).filter((n) => n.reason === 'remix')).toEqual([]);
	});

	it('featured: the person named hears of a hidden clip, with why; nobody hears of anything about it until it is shown', async () => {
		const featuring = await postClip(ann, { caption: 'with cal', cameos: [cal.assertDid] });
		await eventually(async () => expect((await items(cal))[0]).toMatchObject({ reason: 'featured', subject: featuring.uri, featured: { state: 'hidden', reason: 'noConsent' } }));
		await like(eve, featuring);
		await comment(ben, featuring, 'who is that? @cal.test');
		const marker = await postClip(ben, { caption: 'after the hidden ones' });
		await like(dee, marker);
		await eventually(async () => expect((await items(ben))[0]).toMatchObject({ reason: 'like', subject: marker.uri }));
		expect((await items(ann)).filter((n) => n.subject === featuring.uri)).toEqual([]);
		expect((await items(cal)).map((n) => n.reason)).toEqual(['featured']);

		await cal.com.atproto.repo.putRecord({
			repo: cal.assertDid, collection: 'video.dreamreel.consent', rkey: 'self',
			record: { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString() },
		});
		await eventually(async () => expect((await items(cal)).find((n) => n.reason === 'featured')?.featured).toEqual({ state: 'shown' }));
		expect((await items(cal)).map((n) => n.reason)).toEqual(['mention', 'featured']);
		expect((await items(ann)).filter((n) => n.subject === featuring.uri).map((n) => n.reason)).toEqual(['comment', 'like']);
	});

	it('a consent about to expire tells its owner, once, and renewing it takes the notice away', async () => {
		const putConsent = (expiresAt: string) =>
			dee.com.atproto.repo.putRecord({
				repo: dee.assertDid, collection: 'video.dreamreel.consent', rkey: 'self',
				record: { $type: 'video.dreamreel.consent', audience: 'everyone', expiresAt, createdAt: new Date().toISOString() },
			});
		const expiresAt = new Date(Date.now() + 2 * 86_400_000).toISOString();
		await putConsent(expiresAt);
		const uri = `at://${dee.assertDid}/video.dreamreel.consent/self`;
		await eventually(async () => expect((await items(dee))[0]).toMatchObject({ reason: 'consentExpiring', uri, expiresAt, authors: [{ did: dee.assertDid }] }));
		expect((await items(dee)).filter((n) => n.reason === 'consentExpiring')).toHaveLength(1);
		for (const other of [ann, ben, cal, eve]) expect((await items(other)).filter((n) => n.reason === 'consentExpiring')).toEqual([]);
		await putConsent(new Date(Date.now() + 60 * 86_400_000).toISOString());
		await eventually(async () => expect((await items(dee)).filter((n) => n.reason === 'consentExpiring')).toEqual([]));
	});

	it('an undone like takes its notification with it', async () => {
		const target = await postClip(eve, { caption: 'undo me' });
		const { data } = await like(dee, target);
		await eventually(async () => expect((await items(eve))[0]).toMatchObject({ reason: 'like', subject: target.uri }));
		await dee.com.atproto.repo.deleteRecord({ repo: dee.assertDid, collection: 'video.dreamreel.like', rkey: data.uri.split('/').pop()! });
		await eventually(async () => expect((await items(eve)).filter((n) => n.subject === target.uri)).toEqual([]));
	});

	it('counts unread until marked seen, then counts what comes after', async () => {
		expect(await unread(ann)).toBeGreaterThan(0);
		const headers = await serviceToken(ann, stack.serviceDid, 'video.dreamreel.updateSeen');
		const response = await fetch(`${stack.worker.url}/xrpc/video.dreamreel.updateSeen`, {
			method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ seenAt: new Date(Date.now() + 86_400_000).toISOString() }),
		});
		expect(response.status).toBe(200);
		// A mark in the future is held at now: what arrives next is still unread.
		expect(Date.parse((await response.json() as { seenAt: string }).seenAt)).toBeLessThanOrEqual(Date.now());
		expect(await unread(ann)).toBe(0);
		expect((await items(ann)).every((n) => n.isRead)).toBe(true);
		await like(dee, clip);
		await eventually(async () => expect(await unread(ann)).toBe(1));
		expect((await items(ann))[0]).toMatchObject({ reason: 'like', authorCount: 3, isRead: false });
	});

	it('pages by group without repeats', async () => {
		const all = (await items(ann)).map((n) => n.uri);
		const seen: string[] = [];
		let cursor: string | undefined;
		do {
			const page = await list(ann, { limit: '2', ...(cursor ? { cursor } : {}) });
			seen.push(...page.notifications.map((n) => n.uri));
			cursor = page.cursor;
		} while (cursor);
		expect(seen).toEqual(all);
	});
});
