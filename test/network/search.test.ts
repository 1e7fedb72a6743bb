// Search against the reference PDS: clips and accounts written with @atproto/api are found by what
// they say, through the real worker following the PDS's firehose, and never when the feeds hide them.
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, eventually, postClip, startStack, xrpc, type Posted, type Stack } from './harness.ts';

type Page = { clips: { uri: string }[]; cursor?: string };

let stack: Stack;
let maker: AtpAgent;
let featured: AtpAgent; // named as a cameo, consents only once asked

const search = async (params: Record<string, string>) => {
	const { status, body } = await xrpc<Page>(stack.worker.url, 'video.dreamreel.searchClips', params);
	expect(status).toBe(200);
	return body;
};
const found = async (params: Record<string, string>) => (await search(params)).clips.map((clip) => clip.uri);

const consent = () =>
	featured.com.atproto.repo.putRecord({
		repo: featured.assertDid,
		collection: 'video.dreamreel.consent',
		rkey: 'self',
		record: { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString() },
	});

beforeAll(async () => {
	stack = await startStack({ pds: 4383, plc: 4384, worker: 8818 });
	[maker, featured] = (await Promise.all(['marigold', 'felix'].map((name) => createAccount(stack.network.pdsUrl, name)))) as [AtpAgent, AtpAgent];
});
afterAll(() => stack?.close());

describe('searchClips', () => {
	let clip: Posted;

	beforeAll(async () => {
		clip = await postClip(maker, { caption: 'tide pools at #GoldenHour', prompt: 'an octopus painting watercolours', tags: ['Ocean'] });
		await eventually(async () => expect(await found({ q: 'tide' })).toEqual([clip.uri]));
	});

	it('finds a clip by a caption word, a prompt word, a word prefix, its tags and its caption hashtags', async () => {
		for (const params of [{ q: 'octopus' }, { q: 'watercol' }, { q: 'pools tide' }, { tag: 'ocean' }, { tag: 'goldenhour' }, { tag: '#GoldenHour' }, { q: 'goldenhour' }] as Record<string, string>[]) {
			expect(await found(params)).toEqual([clip.uri]);
		}
	});

	it('an edited caption is searched by its new words; a deleted clip is found no more', async () => {
		const rkey = clip.uri.split('/').pop()!;
		const { data: record } = await maker.com.atproto.repo.getRecord({ repo: maker.assertDid, collection: 'video.dreamreel.clip', rkey });
		await maker.com.atproto.repo.putRecord({ repo: maker.assertDid, collection: 'video.dreamreel.clip', rkey, record: { ...record.value, caption: 'kelp forest #deepblue' } });
		await eventually(async () => expect(await found({ tag: 'deepblue' })).toEqual([clip.uri]));
		expect([await found({ q: 'tide' }), await found({ tag: 'goldenhour' })]).toEqual([[], []]);
		await maker.com.atproto.repo.deleteRecord({ repo: maker.assertDid, collection: 'video.dreamreel.clip', rkey });
		await eventually(async () => expect(await found({ tag: 'deepblue' })).toEqual([]));
		expect(await found({ q: 'octopus' })).toEqual([]);
	});

	it('never returns a clip featuring someone who has not consented, until they do', async () => {
		const hidden = await postClip(maker, { caption: 'a #secretgarden walk', cameos: [featured.assertDid] });
		const plain = await postClip(maker, { caption: 'another #secretgarden walk' });
		await eventually(async () => expect(await found({ tag: 'secretgarden' })).toEqual([plain.uri]));
		expect(await found({ q: 'secretgarden walk' })).toEqual([plain.uri]);
		await consent();
		await eventually(async () => expect(await found({ tag: 'secretgarden' })).toEqual([plain.uri, hidden.uri]));
	});

	it('pages newest first without repeats or gaps while new clips arrive', async () => {
		const posted: Posted[] = [];
		for (let i = 0; i < 5; i++) posted.push(await postClip(maker, { caption: `#pagetest number ${i}` }));
		await eventually(async () => expect(await found({ tag: 'pagetest' })).toHaveLength(5));
		const first = await search({ tag: 'pagetest', limit: '2' });
		await postClip(maker, { caption: '#pagetest arrives between pages' });
		await eventually(async () => expect(await found({ tag: 'pagetest' })).toHaveLength(6));
		const second = await search({ tag: 'pagetest', limit: '2', cursor: first.cursor! });
		const third = await search({ tag: 'pagetest', limit: '2', cursor: second.cursor! });
		expect([...first.clips, ...second.clips, ...third.clips].map((c) => c.uri)).toEqual(posted.map((p) => p.uri).reverse());
	});

	it('refuses a search with neither q nor tag, naming the problem', async () => {
		const { status, body } = await xrpc(stack.worker.url, 'video.dreamreel.searchClips', {});
		expect([status, body.error]).toEqual([400, 'InvalidRequest']);
	});
});

describe('searchActors', () => {
	const typeahead = async (q: string) => {
		const { status, body } = await xrpc<{ actors: { did: string; handle: string; displayName?: string }[] }>(stack.worker.url, 'video.dreamreel.searchActors', { q });
		expect(status).toBe(200);
		return body.actors;
	};

	it('finds an account by handle prefix and by display-name word prefix', async () => {
		await postClip(maker, { caption: 'so the account is indexed' });
		await maker.app.bsky.actor.profile.create({ repo: maker.assertDid }, { displayName: 'Marigold Überlin' });
		await eventually(async () => expect((await typeahead('uber')).map((actor) => actor.did)).toEqual([maker.assertDid]));
		await eventually(async () => expect(await typeahead('mari')).toEqual([expect.objectContaining({ did: maker.assertDid, handle: 'marigold.test', displayName: 'Marigold Überlin' })]));
		expect(await typeahead('@marigold.te')).toHaveLength(1);
		expect(await typeahead('zzz')).toEqual([]);
	});
});
