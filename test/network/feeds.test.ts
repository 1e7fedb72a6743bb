import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secp256k1Keypair } from '@atproto/crypto';
import { publishFeeds } from '../../scripts/publish-feeds.ts';
import { createAccount, eventually, postClip, selfSignedIdentity, serviceToken, startStack, xrpc, type Posted, type Stack } from './harness.ts';

type Clip = { uri: string; likeCount: number; commentCount: number; viewer?: { like?: string }; feedContext?: string; author: { did: string } };

let stack: Stack;
let viewer: AtpAgent;
let small: AtpAgent; // few followers: pushed into timelines
let big: AtpAgent; // more followers than FANOUT_MAX_FOLLOWERS: merged in at read time
let fans: AtpAgent[];

const follow = async (agent: AtpAgent, subject: AtpAgent) =>
	(await agent.app.bsky.graph.follow.create({ repo: agent.assertDid }, { subject: subject.assertDid, createdAt: new Date().toISOString() })).uri;

const timeline = async (agent: AtpAgent = viewer) => {
	const headers = await serviceToken(agent, stack.serviceDid, 'video.dreamreel.getTimeline');
	const { status, body } = await xrpc<{ clips: Clip[]; cursor?: string }>(stack.worker.url, 'video.dreamreel.getTimeline', {}, headers);
	expect(status).toBe(200);
	return body.clips.map((clip) => clip.uri);
};

beforeAll(async () => {
	stack = await startStack({ pds: 3083, plc: 3082, worker: 8792 }, { FANOUT_MAX_FOLLOWERS: '2' });
	const pds = stack.network.pdsUrl;
	[viewer, small, big, ...fans] = (await Promise.all(['vic', 'sol', 'bea', 'fan1', 'fan2'].map((name) => createAccount(pds, name)))) as [AtpAgent, AtpAgent, AtpAgent, AtpAgent, AtpAgent];
	for (const fan of [viewer!, ...fans]) await follow(fan, big!);
});
afterAll(() => stack?.close());

describe('following timeline', () => {
	it('a clip by someone followed appears, pushed (small creator) or merged in (big creator), newest first', async () => {
		await follow(viewer, small);
		await new Promise((resolve) => setTimeout(resolve, 500));
		const fromBig = await postClip(big, { caption: 'big one' });
		const fromSmall = await postClip(small, { caption: 'small one' });
		await eventually(async () => expect((await timeline()).slice(0, 2)).toEqual([fromSmall.uri, fromBig.uri]));
		// A first visit imports the viewer's follows from their repo; the timeline fills moments later.
		await eventually(async () => expect(await timeline(fans[0])).toContain(fromBig.uri));
	});

	it('following someone brings their recent clips; unfollowing takes them out', async () => {
		const author = await createAccount(stack.network.pdsUrl, 'newbie');
		const earlier = await postClip(author, { caption: 'before the follow' });
		await eventually(async () => expect((await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri: earlier.uri })).status).toBe(200));
		const followUri = await follow(viewer, author);
		await eventually(async () => expect(await timeline()).toContain(earlier.uri));
		await viewer.com.atproto.repo.deleteRecord({ repo: viewer.assertDid, collection: 'app.bsky.graph.follow', rkey: followUri.split('/').pop()! });
		await eventually(async () => expect(await timeline()).not.toContain(earlier.uri));
	});

	it('a deleted clip leaves the timeline', async () => {
		const posted = await postClip(small);
		await eventually(async () => expect(await timeline()).toContain(posted.uri));
		await small.com.atproto.repo.deleteRecord({ repo: small.assertDid, collection: 'video.dreamreel.clip', rkey: posted.uri.split('/').pop()! });
		await eventually(async () => expect(await timeline()).not.toContain(posted.uri));
	});

	it('pages stay stable while new clips arrive', async () => {
		const posted: Posted[] = [];
		for (let i = 0; i < 4; i++) posted.push(await postClip(small, { caption: `stable ${i}` }));
		await eventually(async () => expect(await timeline()).toContain(posted[3]!.uri));
		const headers = await serviceToken(viewer, stack.serviceDid, 'video.dreamreel.getTimeline');
		const first = await xrpc<{ clips: Clip[]; cursor: string }>(stack.worker.url, 'video.dreamreel.getTimeline', { limit: '2' }, headers);
		await postClip(small, { caption: 'arrives between pages' });
		await new Promise((resolve) => setTimeout(resolve, 1000));
		const second = await xrpc<{ clips: Clip[] }>(stack.worker.url, 'video.dreamreel.getTimeline', { limit: '2', cursor: first.body.cursor }, headers);
		expect([...first.body.clips, ...second.body.clips].map((clip) => clip.uri)).toEqual(posted.map((p) => p.uri).reverse());
	});

	it('refuses an anonymous request', async () => {
		const { status, body } = await xrpc(stack.worker.url, 'video.dreamreel.getTimeline');
		expect(status).toBe(401);
		expect(body).toMatchObject({ error: 'AuthMissing' });
	});
});

describe('likes and comments', () => {
	it('counts likes and comments, shows the viewer’s like, and threads replies', async () => {
		const clip = await postClip(small, { caption: 'talk about me' });
		const subject = { uri: clip.uri, cid: clip.cid };
		const like = await viewer.com.atproto.repo.createRecord({
			repo: viewer.assertDid,
			collection: 'video.dreamreel.like',
			record: { $type: 'video.dreamreel.like', subject, createdAt: new Date().toISOString() },
		});
		const comment = async (agent: AtpAgent, text: string, reply?: { root: Posted; parent: Posted }) =>
			(
				await agent.com.atproto.repo.createRecord({
					repo: agent.assertDid,
					collection: 'video.dreamreel.comment',
					record: { $type: 'video.dreamreel.comment', subject, text, ...(reply ? { reply } : {}), createdAt: new Date().toISOString() },
				})
			).data;
		const top = await comment(viewer, 'love the light');
		await comment(small, 'thank you!', { root: top, parent: top });
		const headers = await serviceToken(viewer, stack.serviceDid, 'video.dreamreel.getClip');
		await eventually(async () => {
			const { body } = await xrpc<{ clip: Clip }>(stack.worker.url, 'video.dreamreel.getClip', { uri: clip.uri }, headers);
			expect(body.clip).toMatchObject({ likeCount: 1, commentCount: 2, viewer: { like: like.data.uri } });
		});
		const { body } = await xrpc<{ comments: { uri: string; replies: { record: { text: string } }[] }[] }>(
			stack.worker.url,
			'video.dreamreel.getComments',
			{ uri: clip.uri },
		);
		expect(body.comments).toHaveLength(1);
		expect(body.comments[0]!.uri).toBe(top.uri);
		expect(body.comments[0]!.replies.map((reply) => reply.record.text)).toEqual(['thank you!']);
	});
});

describe('For You', () => {
	it('ranks the network with a reason per item and never shows a signed-in viewer the same clip twice', async () => {
		const anonymous = await xrpc<{ clips: Clip[] }>(stack.worker.url, 'video.dreamreel.getForYou', { limit: '100' });
		expect(anonymous.body.clips.length).toBeGreaterThan(3);
		for (const clip of anonymous.body.clips) expect(clip.feedContext).toMatch(/^(remix-chain|popular|discussed|following|fresh)$/);
		const authors = anonymous.body.clips.map((clip) => clip.author.did);
		// An author's clips come back to back only once no other author is left.
		const firstRepeat = authors.findIndex((did, i) => i > 0 && did === authors[i - 1]);
		if (firstRepeat > 0) expect(new Set(authors.slice(firstRepeat))).toEqual(new Set([authors[firstRepeat]]));

		const page = async () => {
			const headers = await serviceToken(viewer, stack.serviceDid, 'video.dreamreel.getForYou');
			return (await xrpc<{ clips: Clip[] }>(stack.worker.url, 'video.dreamreel.getForYou', { limit: '3' }, headers)).body.clips.map((clip) => clip.uri);
		};
		const first = await page();
		const second = await page();
		expect(first).toHaveLength(3);
		expect(second.filter((uri) => first.includes(uri))).toEqual([]);
	});
});

describe('feed generator', () => {
	const SKELETON = 'app.bsky.feed.getFeedSkeleton';
	const feedUri = (rkey: string) => `at://${stack.serviceDid}/app.bsky.feed.generator/${rkey}`;
	const skeleton = (rkey: string, headers: Record<string, string> = {}) =>
		xrpc<{ feed: { post: string; feedContext?: string }[]; error?: string }>(stack.worker.url, SKELETON, { feed: feedUri(rkey) }, headers);
	let crosspost: string;

	beforeAll(async () => {
		// A Bluesky post sharing a clip: the same video blob, by the clip's author.
		const clip = await postClip(small, { caption: 'shared to Bluesky' });
		const { data: record } = await small.com.atproto.repo.getRecord({ repo: small.assertDid, collection: 'video.dreamreel.clip', rkey: clip.uri.split('/').pop()! });
		const post = await small.app.bsky.feed.post.create(
			{ repo: small.assertDid },
			{ text: 'made on Dreamreel', embed: { $type: 'app.bsky.embed.video', video: (record.value as { video: never }).video }, createdAt: new Date().toISOString() },
		);
		crosspost = post.uri;
		await eventually(async () => expect((await skeleton('trending')).body.feed.map((item) => item.post)).toContain(crosspost));
	});

	it('describes its feeds', async () => {
		const { body } = await xrpc<{ did: string; feeds: { uri: string }[] }>(stack.worker.url, 'app.bsky.feed.describeFeedGenerator');
		expect(body.did).toBe(stack.serviceDid);
		expect(body.feeds.map((feed) => feed.uri)).toEqual(['following', 'trending', 'remixes'].map(feedUri));
	});

	it('publishes its feed generator records, which the PDS accepts as valid', async () => {
		const uris = await publishFeeds(small, stack.serviceDid);
		for (const uri of uris) {
			const { data } = await small.com.atproto.repo.getRecord({ repo: small.assertDid, collection: 'app.bsky.feed.generator', rkey: uri.split('/').pop()! });
			expect(data.value).toMatchObject({ did: stack.serviceDid, displayName: expect.stringMatching(/^Dreamreel /), contentMode: 'app.bsky.feed.defs#contentModeVideo' });
		}
		expect(uris).toHaveLength(3);
	});

	it('serves the cross-posts with a reason, publicly', async () => {
		const { status, body } = await skeleton('trending');
		expect(status).toBe(200);
		expect(body.feed.find((item) => item.post === crosspost)?.feedContext).toMatch(/^(remix-chain|popular|discussed|following|fresh)$/);
	});

	it('personalises the following feed for a valid JWT', async () => {
		const mine = await skeleton('following', await serviceToken(viewer, stack.serviceDid, SKELETON));
		expect(mine.body.feed.map((item) => item.post)).toContain(crosspost);
		const stranger = await createAccount(stack.network.pdsUrl, 'outsider');
		const theirs = await skeleton('following', await serviceToken(stranger, stack.serviceDid, SKELETON));
		expect(theirs.status).toBe(200);
		expect(theirs.body.feed).toEqual([]);
	});

	it('refuses an expired, a wrong-audience and a forged JWT', async () => {
		const identity = await selfSignedIdentity(stack, await Secp256k1Keypair.create());
		const now = Math.floor(Date.now() / 1000);
		const expired = await identity.sign(SKELETON, undefined, { iat: now - 120, exp: now - 60 });
		const wrongAudience = (await viewer.com.atproto.server.getServiceAuth({ aud: 'did:web:feeds.example', lxm: SKELETON })).data.token;
		const valid = (await serviceToken(viewer, stack.serviceDid, SKELETON)).authorization!.split(' ')[1]!;
		const forged = `${valid.split('.').slice(0, 2).join('.')}.${Buffer.from('not the signature').toString('base64url')}`;
		for (const [token, error] of [[expired, 'JwtExpired'], [wrongAudience, 'InvalidAudience'], [forged, 'BadJwtSignature']]) {
			const { status, body } = await skeleton('following', { authorization: `Bearer ${token}` });
			expect(status).toBe(401);
			expect(body.error).toBe(error);
		}
	});

	it('answers an unknown feed with UnknownFeed', async () => {
		const { status, body } = await skeleton('nope');
		expect(status).toBe(400);
		expect(body.error).toBe('UnknownFeed');
	});
});
