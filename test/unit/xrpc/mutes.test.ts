import { exports } from 'cloudflare:workers';
import type { Nsid } from '@atcute/lexicons';
import { describe, expect, it } from 'vitest';
import type { VideoDreamreelDefs, VideoDreamreelGetMutes } from '../../../worker/lexicons/index.ts';
import { newDid, seedActor, seedClip, type Ref } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

type ClipView = VideoDreamreelDefs.ClipView;
const BASE = 'http://localhost:8787/xrpc/';

async function post(nsid: Nsid, body: unknown, viewer?: SignedAccount): Promise<Response> {
	const headers = { 'content-type': 'application/json', ...(viewer ? await viewer.headers(nsid) : {}) };
	return exports.default.fetch(`${BASE}${nsid}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function get<T>(nsid: Nsid, query: string, viewer?: SignedAccount): Promise<T> {
	const response = await exports.default.fetch(`${BASE}${nsid}?${query}`, viewer ? { headers: await viewer.headers(nsid) } : {});
	expect(response.status).toBe(200);
	return response.json<T>();
}

async function person(): Promise<SignedAccount> {
	const did = newDid();
	await seedActor(did, `m-${did.slice(-8)}.test`);
	return signedAccount(did);
}

const mute = async (viewer: SignedAccount, actor: string) => expect((await post('video.dreamreel.muteActor', { actor }, viewer)).status).toBe(200);
const remixes = async (clip: Ref, viewer?: SignedAccount) =>
	(await get<{ clips: ClipView[] }>('video.dreamreel.getRemixes', `uri=${encodeURIComponent(clip.uri)}`, viewer)).clips.map((view) => view.uri);

describe('mutes', () => {
	it('need service auth', async () => {
		const response = await post('video.dreamreel.muteActor', { actor: newDid() });
		expect(response.status).toBe(401);
		expect((await exports.default.fetch(`${BASE}video.dreamreel.getMutes`)).status).toBe(401);
	});

	it('take a muted account out of the viewer’s feeds only, and come off again', async () => {
		const [me, loud, other] = [await person(), await person(), await person()];
		const original = await seedClip(other.did);
		const remix = await seedClip(loud.did, { lineage: { parent: original, root: original } });
		await mute(me, loud.did);
		expect(await remixes(original, me)).toEqual([]);
		expect(await remixes(original, other)).toEqual([remix.uri]);
		expect(await remixes(original)).toEqual([remix.uri]);
		// Opened by its link, a muted account's clip still shows.
		const opened = await exports.default.fetch(`${BASE}video.dreamreel.getClip?uri=${encodeURIComponent(remix.uri)}`, { headers: await me.headers('video.dreamreel.getClip') });
		expect(opened.status).toBe(200);
		expect((await post('video.dreamreel.unmuteActor', { actor: loud.did }, me)).status).toBe(200);
		expect(await remixes(original, me)).toEqual([remix.uri]);
	});

	it('are listed to the viewer alone, newest first, by handle', async () => {
		const [me, first, second] = [await person(), await person(), await person()];
		await mute(me, first.did);
		const handle = `m-${second.did.slice(-8)}.test`;
		await mute(me, handle);
		await mute(me, handle);
		const { mutes } = await get<VideoDreamreelGetMutes.$output>('video.dreamreel.getMutes', '', me);
		expect(mutes.map((profile) => profile.did)).toEqual([second.did, first.did]);
		expect((await get<VideoDreamreelGetMutes.$output>('video.dreamreel.getMutes', '', first)).mutes).toEqual([]);
		const paged = await get<VideoDreamreelGetMutes.$output>('video.dreamreel.getMutes', 'limit=1', me);
		const rest = await get<VideoDreamreelGetMutes.$output>('video.dreamreel.getMutes', `limit=1&cursor=${encodeURIComponent(paged.cursor!)}`, me);
		expect([...paged.mutes, ...rest.mutes].map((profile) => profile.did)).toEqual([second.did, first.did]);
	});

	it('refuse muting oneself or an account the index does not hold', async () => {
		const me = await person();
		const self = await post('video.dreamreel.muteActor', { actor: me.did }, me);
		expect([self.status, (await self.json<{ error: string }>()).error]).toEqual([400, 'InvalidRequest']);
		const unknown = await post('video.dreamreel.muteActor', { actor: newDid() }, me);
		expect([unknown.status, (await unknown.json<{ error: string }>()).error]).toEqual([404, 'ActorNotFound']);
		const bad = await post('video.dreamreel.muteActor', { actor: 'not an identifier' }, me);
		expect(bad.status).toBe(400);
	});

	it('of words hide clips whose caption, prompt or tags contain them, whatever the case, from the viewer’s feeds', async () => {
		const [me, author] = [await person(), await person()];
		const original = await seedClip(author.did);
		const lineage = { parent: original, root: original };
		const spoiler = await seedClip(author.did, { lineage, caption: 'The ENDING revealed' });
		const prompted = await seedClip(author.did, { lineage, prompt: 'a spoiler about dragons' });
		const tagged = await seedClip(author.did, { lineage, tags: ['endings'] });
		const fine = await seedClip(author.did, { lineage, caption: 'a quiet lake' });
		expect((await post('video.dreamreel.putMutedWords', { words: ['ending', 'Dragons', 'ending'] }, me)).status).toBe(200);
		expect((await get<VideoDreamreelGetMutes.$output>('video.dreamreel.getMutes', '', me)).words).toEqual(['dragons', 'ending']);
		expect(await remixes(original, me)).toEqual([fine.uri]);
		expect((await remixes(original)).sort()).toEqual([spoiler.uri, prompted.uri, tagged.uri, fine.uri].sort());
		expect((await post('video.dreamreel.putMutedWords', { words: [] }, me)).status).toBe(200);
		expect(await remixes(original, me)).toHaveLength(4);
	});

	it('of words are bounded in number and length', async () => {
		const me = await person();
		const many = await post('video.dreamreel.putMutedWords', { words: Array.from({ length: 101 }, (_, i) => `w${i}`) }, me);
		expect(many.status).toBe(400);
		const long = await post('video.dreamreel.putMutedWords', { words: ['x'.repeat(101)] }, me);
		expect(long.status).toBe(400);
	});
});
