// The hostile tier: records written through the reference PDS the way an attacker would (by hand,
// `validate: false`, in every form a valid record allows), and every read route and the video route
// checked for each. A hidden clip must be hidden everywhere, and its video must not play.
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSampleVideo } from '../../scripts/sample-video.ts';
import { CANDIDATES_PER_AUTHOR } from '../../worker/feeds/ranking.ts';
import { MAX_CHAIN } from '../../worker/views/visibility.ts';
import { createAccount, eventually, serviceToken, startStack, xrpc, type Posted, type Stack } from './harness.ts';

let stack: Stack;
let victim: AtpAgent; // featured, consents to everyone but allows no remixes
let creator: AtpAgent; // features the victim in a clip nobody may remix
let eve: AtpAgent; // the attacker
let featuring: Posted; // creator's clip featuring the victim, remixPolicy none

interface Written extends Posted {
	author: AtpAgent;
	video: string;
}

/** A copy of a sample video with a unique trailing `free` box: its own blob CID, still a valid MP4. */
async function uniqueVideo(): Promise<Uint8Array> {
	const base = await readSampleVideo('gradients');
	const payload = new TextEncoder().encode(`${Date.now()}-${Math.random()}`);
	const box = new Uint8Array(8 + payload.length);
	new DataView(box.buffer).setUint32(0, box.length);
	box.set(new TextEncoder().encode('free'), 4);
	box.set(payload, 8);
	return new Uint8Array([...base, ...box]);
}

async function uploadVideo(agent: AtpAgent, bytes?: Uint8Array) {
	const { data } = await agent.uploadBlob(bytes ?? (await uniqueVideo()), { encoding: 'video/mp4' });
	return data.blob;
}

/** Writes a clip or remix by hand, unvalidated, as a hostile client would. */
async function write(
	author: AtpAgent,
	fields: Record<string, unknown>,
	options: { remix?: boolean; rkey?: string; blob?: Awaited<ReturnType<typeof uploadVideo>> } = {},
): Promise<Written> {
	const collection = options.remix ? 'video.dreamreel.remix' : 'video.dreamreel.clip';
	const blob = options.blob ?? (await uploadVideo(author));
	const record = { $type: collection, video: blob, durationMs: 3000, createdAt: new Date().toISOString(), ...fields };
	const { data } = options.rkey
		? await author.com.atproto.repo.putRecord({ repo: author.assertDid, collection, rkey: options.rkey, record, validate: false })
		: await author.com.atproto.repo.createRecord({ repo: author.assertDid, collection, record, validate: false });
	return { uri: data.uri, cid: data.cid, author, video: blob.ref.toString() };
}

const ref = (clip: Posted, uri = clip.uri) => ({ uri, cid: clip.cid });
const rkeyOf = (uri: string) => uri.split('/').pop()!;

/** Stream order is kept: once a clip written after `writes` is visible, everything before it was applied. */
async function barrier(author: AtpAgent): Promise<void> {
	const marker = await write(author, { caption: 'barrier' });
	await eventually(async () => expect((await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri: marker.uri })).status).toBe(200), 15_000);
}

type ClipList = { clips: { uri: string }[] };

/** Every read route that could hand out `clip`, and the video route. */
async function exposures(clip: Written, family: { parent?: string; root?: string } = {}): Promise<string[]> {
	const url = stack.worker.url;
	const found: string[] = [];
	const lists = async (name: string, nsid: string, params: Record<string, string>) => {
		const { body } = await xrpc<ClipList & { ancestors?: unknown; descendants?: unknown }>(url, nsid, params);
		if (JSON.stringify(body).includes(clip.uri)) found.push(name);
	};
	if ((await xrpc(url, 'video.dreamreel.getClip', { uri: clip.uri })).status !== 404) found.push('getClip');
	if ((await xrpc(url, 'video.dreamreel.getComments', { uri: clip.uri })).status !== 404) found.push('getComments');
	if ((await xrpc(url, 'video.dreamreel.getLineage', { uri: clip.uri })).status !== 404) found.push('getLineage');
	await lists('getClips', 'video.dreamreel.getClips', { uris: clip.uri });
	await lists('getAuthorFeed', 'video.dreamreel.getAuthorFeed', { actor: clip.author.assertDid, limit: '100' });
	await lists('getForYou', 'video.dreamreel.getForYou', { limit: '100' });
	if (family.parent) await lists('getRemixes', 'video.dreamreel.getRemixes', { uri: family.parent, limit: '100' });
	if (family.root) await lists('getLineage(root)', 'video.dreamreel.getLineage', { uri: family.root, depth: '20' });
	const signedIn = await serviceToken(clip.author, stack.serviceDid, 'video.dreamreel.getTimeline');
	const { body: timeline } = await xrpc<ClipList>(url, 'video.dreamreel.getTimeline', { limit: '100' }, signedIn);
	if (JSON.stringify(timeline).includes(clip.uri)) found.push('getTimeline');
	const video = await fetch(new URL(`/video/${clip.video}`, url));
	await video.body?.cancel();
	if (video.status === 200) found.push('/video');
	return found;
}

/** Hidden everywhere, once the mirror has had its say about the video. */
async function expectHidden(clip: Written, family: { parent?: string; root?: string } = {}) {
	await eventually(async () => expect((await fetch(new URL(`/video/${clip.video}`, stack.worker.url))).status).not.toBe(404), 20_000).catch(() => {});
	expect(await exposures(clip, family)).toEqual([]);
}

beforeAll(async () => {
	stack = await startStack({ pds: 3883, plc: 3882, worker: 8801 });
	[victim, creator, eve] = (await Promise.all(['vic', 'cre', 'eve'].map((name) => createAccount(stack.network.pdsUrl, name)))) as [AtpAgent, AtpAgent, AtpAgent];
	// Everyone follows the author they look at, so getTimeline is one more route to check.
	await eve.app.bsky.graph.follow.create({ repo: eve.assertDid }, { subject: eve.assertDid, createdAt: new Date().toISOString() });
	await victim.com.atproto.repo.putRecord({
		repo: victim.assertDid,
		collection: 'video.dreamreel.consent',
		rkey: 'self',
		record: { $type: 'video.dreamreel.consent', audience: 'everyone', allowRemix: false, createdAt: new Date().toISOString() },
	});
	featuring = await write(creator, { cameos: [victim.assertDid], remixPolicy: 'none' });
	await barrier(creator);
}, 120_000);
afterAll(() => stack?.close());

describe('references in any valid at-uri form', () => {
	it('a remix naming its parent by handle is held to the parent’s rules', async () => {
		const handleForm = featuring.uri.replace(creator.assertDid, 'cre.test');
		const remix = await write(eve, { parent: ref(featuring, handleForm), root: ref(featuring, handleForm) }, { remix: true });
		await barrier(eve);
		await expectHidden(remix, { parent: featuring.uri, root: featuring.uri });
	});

	it('a remix naming its parent by an uppercase handle, or a repo-only at-uri, is hidden', async () => {
		const upper = featuring.uri.replace(creator.assertDid, 'CRE.TEST');
		const byUpper = await write(eve, { parent: ref(featuring, upper), root: ref(featuring, upper) }, { remix: true });
		const repoOnly = `at://${creator.assertDid}`;
		const byRepo = await write(eve, { parent: ref(featuring, repoOnly), root: ref(featuring, repoOnly) }, { remix: true });
		await barrier(eve);
		await expectHidden(byUpper, { parent: featuring.uri });
		await expectHidden(byRepo);
	});

	it('a like naming its clip by handle counts for that clip', async () => {
		const clip = await write(creator, { caption: 'liked by handle' });
		await eve.com.atproto.repo.createRecord({
			repo: eve.assertDid,
			collection: 'video.dreamreel.like',
			record: { $type: 'video.dreamreel.like', subject: ref(clip, clip.uri.replace(creator.assertDid, 'cre.test')), createdAt: new Date().toISOString() },
			validate: false,
		});
		await barrier(eve);
		const { body } = await xrpc<{ clip: { likeCount: number } }>(stack.worker.url, 'video.dreamreel.getClip', { uri: clip.uri });
		expect(body.clip.likeCount).toBe(1);
	});
});

describe('remix chains fail closed', () => {
	it('a remix below a hidden remix stays hidden once the middle remix is deleted', async () => {
		const middle = await write(eve, { parent: ref(featuring), root: ref(featuring) }, { remix: true });
		const below = await write(eve, { parent: ref(middle), root: ref(featuring) }, { remix: true });
		await barrier(eve);
		await expectHidden(below, { parent: middle.uri, root: featuring.uri });
		await eve.com.atproto.repo.deleteRecord({ repo: eve.assertDid, collection: 'video.dreamreel.remix', rkey: rkeyOf(middle.uri) });
		await barrier(eve);
		await expectHidden(below, { root: featuring.uri });
	});

	it('a clip’s remix policy holds down the whole chain, not only for its direct remixes', async () => {
		const original = await write(creator, { remixPolicy: 'none' });
		// The author may remix their own clip; their remix allows everyone.
		const own = await write(creator, { parent: ref(original), root: ref(original), remixPolicy: 'everyone' }, { remix: true });
		const byEve = await write(eve, { parent: ref(own), root: ref(original) }, { remix: true });
		await barrier(eve);
		expect((await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri: own.uri })).status).toBe(200);
		await expectHidden(byEve, { parent: own.uri, root: original.uri });
	});

	it('a remix whose parent was never indexed, or that names the wrong root, is hidden', async () => {
		const missing = `at://${creator.assertDid}/video.dreamreel.clip/3zzzzzzzzzzzz`;
		const orphan = await write(eve, { parent: { uri: missing, cid: featuring.cid }, root: { uri: missing, cid: featuring.cid } }, { remix: true });
		const eveOriginal = await write(eve, {});
		const wrongRoot = await write(eve, { parent: ref(featuring), root: ref(eveOriginal) }, { remix: true });
		await barrier(eve);
		await expectHidden(orphan);
		await expectHidden(wrongRoot, { parent: featuring.uri, root: eveOriginal.uri });
	});

	it('a loop of remixes is hidden', async () => {
		const [a, b] = [`3loopa${Date.now()}`, `3loopb${Date.now()}`];
		const uriOf = (rkey: string) => `at://${eve.assertDid}/video.dreamreel.remix/${rkey}`;
		const fake = { cid: featuring.cid };
		const first = await write(eve, { parent: { uri: uriOf(b), ...fake }, root: { uri: uriOf(b), ...fake } }, { remix: true, rkey: a });
		const second = await write(eve, { parent: { uri: uriOf(a), ...fake }, root: { uri: uriOf(a), ...fake } }, { remix: true, rkey: b });
		await barrier(eve);
		await expectHidden(first);
		await expectHidden(second);
	});

	it(`a chain deeper than ${MAX_CHAIN} links is hidden below that depth`, async () => {
		const blob = await uploadVideo(eve);
		const root = await write(eve, {}, { blob });
		let parent: Written = root;
		const chain: Written[] = [];
		for (let depth = 1; depth <= MAX_CHAIN + 1; depth++) {
			parent = await write(eve, { parent: ref(parent), root: ref(root) }, { remix: true, blob: depth > MAX_CHAIN ? undefined : blob });
			chain.push(parent);
		}
		await barrier(eve);
		expect((await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri: chain[MAX_CHAIN - 1]!.uri })).status).toBe(200);
		await expectHidden(chain[MAX_CHAIN]!, { parent: chain[MAX_CHAIN - 1]!.uri, root: root.uri });
	});
});

describe('bounded records and counts', () => {
	it('fields no lexicon declares are not served, and a record too large for the index is rejected', async () => {
		const padded = await write(eve, { caption: 'padded', junk: 'x'.repeat(20_000), generator: { provider: 'demo', model: 'm', junk: 'y'.repeat(5_000) } });
		const huge = await write(eve, { caption: 'huge', junk: 'x'.repeat(300_000) });
		await barrier(eve);
		const { body } = await xrpc<{ clip: { record: Record<string, unknown> } }>(stack.worker.url, 'video.dreamreel.getClip', { uri: padded.uri });
		expect(body.clip.record).toMatchObject({ caption: 'padded', generator: { provider: 'demo', model: 'm' } });
		expect(body.clip.record).not.toHaveProperty('junk');
		expect(body.clip.record.generator).not.toHaveProperty('junk');
		expect(JSON.stringify(body).length).toBeLessThan(5_000);
		expect((await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri: huge.uri })).status).toBe(404);
		const { body: health } = await xrpc<{ ingest: { rejected: number } }>(stack.worker.url, '_health');
		expect(health.ingest.rejected).toBeGreaterThan(0);
	});

	it('likes count people: fifty likes from one account count once', async () => {
		const clip = await write(creator, { caption: 'liked fifty times' });
		await eve.com.atproto.repo.applyWrites({
			repo: eve.assertDid,
			validate: false,
			writes: Array.from({ length: 50 }, () => ({
				$type: 'com.atproto.repo.applyWrites#create' as const,
				collection: 'video.dreamreel.like',
				value: { $type: 'video.dreamreel.like', subject: ref(clip), createdAt: new Date().toISOString() },
			})),
		});
		await barrier(eve);
		const { body } = await xrpc<{ clip: { likeCount: number } }>(stack.worker.url, 'video.dreamreel.getClip', { uri: clip.uri });
		expect(body.clip.likeCount).toBe(1);
	});

	it('one author writing many clips takes a bounded share of For You', async () => {
		for (let i = 0; i < 3; i++) await write(creator, { caption: `other ${i}` });
		const blob = await uploadVideo(eve);
		await eve.com.atproto.repo.applyWrites({
			repo: eve.assertDid,
			validate: false,
			writes: Array.from({ length: 40 }, (_, i) => ({
				$type: 'com.atproto.repo.applyWrites#create' as const,
				collection: 'video.dreamreel.clip',
				value: { $type: 'video.dreamreel.clip', video: blob, caption: `flood ${i}`, createdAt: new Date().toISOString() },
			})),
		});
		await barrier(eve);
		const { body } = await xrpc<{ clips: { author: { did: string } }[] }>(stack.worker.url, 'video.dreamreel.getForYou', { limit: '100' });
		const byEve = body.clips.filter((clip) => clip.author.did === eve.assertDid).length;
		expect(byEve).toBeLessThanOrEqual(CANDIDATES_PER_AUTHOR);
		expect(body.clips.length).toBeGreaterThan(byEve);
	});
});

describe('the video follows the rules', () => {
	it('a blob shared with a hidden clip is not served from the video host, even for a visible clip using it', async () => {
		const bytes = await uniqueVideo();
		// The creator features the victim in a remix the victim does not allow: hidden.
		const hidden = await write(creator, { parent: ref(featuring), root: ref(featuring), cameos: [victim.assertDid] }, { remix: true, blob: await uploadVideo(creator, bytes) });
		// Eve posts the same bytes as an innocent clip of her own.
		const copy = await write(eve, { caption: 'nothing to see' }, { blob: await uploadVideo(eve, bytes) });
		expect(copy.video).toBe(hidden.video);
		await barrier(eve);
		await expectHidden(hidden, { parent: featuring.uri, root: featuring.uri });
		const { body } = await xrpc<{ clip: { playback: { mp4?: string } } }>(stack.worker.url, 'video.dreamreel.getClip', { uri: copy.uri });
		expect(body.clip.playback.mp4 ?? '').not.toContain('/video/');
	});
});
