import { env, exports } from 'cloudflare:workers';
import { safeParse } from '@atcute/lexicons/validations';
import { describe, expect, it } from 'vitest';
import { VideoDreamreelGetCameoClips } from '../../../worker/lexicons/index.ts';
import { newDid, seedActor, seedClip, seedConsent, seedFollow, type Ref } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

type Page = VideoDreamreelGetCameoClips.$output;
const NSID = 'video.dreamreel.getCameoClips';

async function cameoClips(me: SignedAccount, query = ''): Promise<Response> {
	return exports.default.fetch(`http://localhost:8787/xrpc/${NSID}${query}`, { headers: await me.headers(NSID) });
}

/** One page, checked against the lexicon's output schema. */
async function page(me: SignedAccount, query = ''): Promise<Page> {
	const response = await cameoClips(me, query);
	expect(response.status).toBe(200);
	const body = await response.json<Page>();
	expect(safeParse(VideoDreamreelGetCameoClips.mainSchema.output.schema, body)).toMatchObject({ ok: true });
	return body;
}

/** What everyone else is shown: the public getClip. */
const publicly = async (clip: Ref) => (await exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`)).status;

async function person(name: string, options: { active?: boolean } = {}): Promise<string> {
	const did = newDid();
	await seedActor(did, `${name}-${did.slice(-6)}.test`, options);
	return did;
}

/** A signed-in person featured in clips, and an author who features them. */
async function featured() {
	const me = await signedAccount(await person('me'));
	const author = await person('author');
	return { me, author };
}

async function stateOf(me: SignedAccount, clip: Ref) {
	const { clips } = await page(me);
	const item = clips.find((entry) => entry.clip.uri === clip.uri);
	return item && { state: item.state, reason: item.reason };
}

/** Hidden from the featured person's list for `reason`, and from everyone else. */
async function expectHidden(me: SignedAccount, clip: Ref, reason: string) {
	expect(await stateOf(me, clip)).toEqual({ state: 'hidden', reason });
	expect(await publicly(clip)).toBe(404);
}

async function expectShown(me: SignedAccount, clip: Ref) {
	expect(await stateOf(me, clip)).toEqual({ state: 'shown', reason: undefined });
	expect(await publicly(clip)).toBe(200);
}

describe('getCameoClips', () => {
	it('wants service auth: 401 AuthMissing with a challenge', async () => {
		const response = await exports.default.fetch(`http://localhost:8787/xrpc/${NSID}`);
		expect(response.status).toBe(401);
		expect(response.headers.get('www-authenticate')).toContain('Bearer');
		expect(await response.json()).toMatchObject({ error: 'AuthMissing' });
	});

	it('refuses a JWT for another method', async () => {
		const me = await signedAccount(await person('me'));
		const response = await exports.default.fetch(`http://localhost:8787/xrpc/${NSID}`, { headers: await me.headers('video.dreamreel.getTimeline') });
		expect(response.status).toBe(401);
		expect(await response.json()).toMatchObject({ error: 'BadJwtLexiconMethod' });
	});

	it('lists a clip featuring the requester, shown, with its whole clip view', async () => {
		const { me, author } = await featured();
		await seedConsent(me.did, 'everyone');
		const clip = await seedClip(author, { cameos: [me.did], caption: 'two friends on a pier' });
		const { clips, cursor } = await page(me);
		expect(cursor).toBeUndefined();
		expect(clips).toEqual([
			{
				clip: expect.objectContaining({
					uri: clip.uri,
					author: expect.objectContaining({ did: author }),
					record: expect.objectContaining({ caption: 'two friends on a pier' }),
					playback: expect.objectContaining({ state: 'pending', mp4: expect.stringContaining('com.atproto.sync.getBlob') }),
					viewer: { canRemix: true },
				}),
				state: 'shown',
			},
		]);
		expect(await publicly(clip)).toBe(200);
	});

	it('lists only clips that name the requester among their cameos', async () => {
		const { me, author } = await featured();
		const other = await person('other');
		await seedConsent(other, 'everyone');
		await seedClip(author, { cameos: [other] });
		await seedClip(author);
		expect((await page(me)).clips).toEqual([]);
	});

	it('shows the requester’s own clip featuring themselves, whatever their consent', async () => {
		const me = await signedAccount(await person('me'));
		await expectShown(me, await seedClip(me.did, { cameos: [me.did] }));
	});

	it('hides a clip when the requester has no consent: noConsent', async () => {
		const { me, author } = await featured();
		await expectHidden(me, await seedClip(author, { cameos: [me.did] }), 'noConsent');
	});

	it('hides a clip when the requester’s consent has expired: expired', async () => {
		const { me, author } = await featured();
		await seedConsent(me.did, 'everyone', { expiresAt: '2020-01-01T00:00:00.000Z' });
		await expectHidden(me, await seedClip(author, { cameos: [me.did] }), 'expired');
	});

	it('hides a clip whose author the consent’s audience leaves out, and shows it once they are in: audience', async () => {
		const { me, author } = await featured();
		await seedConsent(me.did, 'followers');
		const clip = await seedClip(author, { cameos: [me.did] });
		await expectHidden(me, clip, 'audience');
		await seedFollow(author, me.did);
		await expectShown(me, clip);
	});

	it('counts a listed audience and self as audience too', async () => {
		const { me, author } = await featured();
		const clip = await seedClip(author, { cameos: [me.did] });
		await seedConsent(me.did, 'self');
		await expectHidden(me, clip, 'audience');
		await seedConsent(me.did, 'listed', { allowed: [newDid()] });
		await expectHidden(me, clip, 'audience');
		await seedConsent(me.did, 'listed', { allowed: [author] });
		await expectShown(me, clip);
	});

	it('hides a clip when someone else featured has not consented: otherCameo', async () => {
		const { me, author } = await featured();
		await seedConsent(me.did, 'everyone');
		await expectHidden(me, await seedClip(author, { cameos: [me.did, await person('other')] }), 'otherCameo');
	});

	it('hides a remix whose parent’s remix policy leaves its author out: remixNotAllowed', async () => {
		const { me, author } = await featured();
		await seedConsent(me.did, 'everyone');
		const parent = await seedClip(await person('original'), { remixPolicy: 'none' });
		await expectHidden(me, await seedClip(author, { cameos: [me.did], lineage: { parent, root: parent } }), 'remixNotAllowed');
	});

	it('hides a remix when someone featured in its parent does not allow remixes: remixConsent', async () => {
		const { me, author } = await featured();
		await seedConsent(me.did, 'everyone');
		const star = await person('star');
		await seedConsent(star, 'everyone', { allowRemix: false });
		const parent = await seedClip(await person('original'), { cameos: [star] });
		await expectHidden(me, await seedClip(author, { cameos: [me.did], lineage: { parent, root: parent } }), 'remixConsent');
	});

	it('hides the clips of an inactive author before any other reason: authorInactive, without avatar or playback URL', async () => {
		const me = await signedAccount(await person('me'));
		const author = await person('gone', { active: false });
		await env.DB.prepare(`UPDATE actors SET avatar_cid = 'bafkreiavatar' WHERE did = ?`).bind(author).run();
		const clip = await seedClip(author, { cameos: [me.did], videoCid: 'bafkreihostedgone' });
		await seedVideo('bafkreihostedgone');
		await expectHidden(me, clip, 'authorInactive');
		const [item] = (await page(me)).clips;
		expect(item?.clip.author).toEqual({ $type: 'video.dreamreel.defs#profileViewBasic', did: author, handle: expect.any(String) });
		expect(item?.clip.playback).toEqual({ state: 'restricted', reason: 'hidden from the network' });
		expect(item?.clip.viewer).toEqual({ canRemix: false });
	});

	it('never gives a playback URL for a hidden clip, even when its copy is hosted', async () => {
		const { me, author } = await featured();
		const clip = await seedClip(author, { cameos: [me.did], videoCid: 'bafkreihostedhidden' });
		await seedVideo('bafkreihostedhidden');
		const [item] = (await page(me)).clips;
		expect(item).toMatchObject({ state: 'hidden', reason: 'noConsent' });
		expect(JSON.stringify(item?.clip.playback)).not.toMatch(/https?:/);

		await seedConsent(me.did, 'everyone');
		await expectShown(me, clip);
		expect((await page(me)).clips[0]?.clip.playback).toMatchObject({ state: 'ready', mp4: 'https://videos.example/bafkreihostedhidden.mp4' });
	});

	it('pages newest first with a cursor, through shown and hidden clips alike', async () => {
		const { me, author } = await featured();
		await seedConsent(me.did, 'listed', { allowed: [author] });
		const other = await person('other');
		const seeded: string[] = [];
		for (let i = 0; i < 5; i++) seeded.push((await seedClip(i % 2 ? other : author, { cameos: [me.did] })).uri);

		const first = await page(me, '?limit=2');
		const second = await page(me, `?limit=2&cursor=${encodeURIComponent(first.cursor!)}`);
		const third = await page(me, `?limit=2&cursor=${encodeURIComponent(second.cursor!)}`);
		expect([first.clips.length, second.clips.length, third.clips.length]).toEqual([2, 2, 1]);
		expect(third.cursor).toBeUndefined();
		const all = [...first.clips, ...second.clips, ...third.clips];
		expect(all.map((item) => item.clip.uri)).toEqual((await page(me)).clips.map((item) => item.clip.uri));
		expect(new Set(all.map((item) => item.clip.uri))).toEqual(new Set(seeded));
		expect(all.map((item) => item.state).sort()).toEqual(['hidden', 'hidden', 'shown', 'shown', 'shown']);
	});

	it('answers a malformed cursor with 400 InvalidRequest', async () => {
		const me = await signedAccount(await person('me'));
		const response = await cameoClips(me, '?cursor=not-a-cursor');
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({ error: 'InvalidRequest', message: 'invalid cursor' });
	});

	it('answers a limit out of range with 400 InvalidRequest naming it', async () => {
		const me = await signedAccount(await person('me'));
		for (const limit of ['0', '101', 'many']) {
			const response = await cameoClips(me, `?limit=${limit}`);
			expect(response.status).toBe(400);
			const body = await response.json<{ error: string; message: string }>();
			expect(body.error).toBe('InvalidRequest');
			expect(body.message).toContain('limit');
		}
	});
});

/** A hosted copy of a video, ready to play. */
async function seedVideo(cid: string): Promise<void> {
	await env.DB.prepare(`INSERT OR REPLACE INTO videos (cid, host, ref, state, restricted, mp4, updated_at) VALUES (?1, 'r2', ?1, 'ready', 0, ?2, ?3)`)
		.bind(cid, `https://videos.example/${cid}.mp4`, new Date().toISOString())
		.run();
}

describe('getCameoClips and remixes', () => {
	it('lists remixes that reuse my likeness without naming me, shown while my consent lets their authors remix me', async () => {
		const { me, author } = await featured();
		const remixer = await person('remixer');
		await seedConsent(me.did, 'everyone');
		const parent = await seedClip(author, { cameos: [me.did] });
		const remix = await seedClip(remixer, { lineage: { parent, root: parent } });
		const remixOfRemix = await seedClip(author, { lineage: { parent: remix, root: parent } });
		await expectShown(me, remix);
		await expectShown(me, remixOfRemix);

		await seedConsent(me.did, 'everyone', { allowRemix: false });
		await expectShown(me, parent);
		await expectHidden(me, remix, 'remixConsent');
		// No remixes means none, even by the author I let feature me, and further down the chain.
		await expectHidden(me, remixOfRemix, 'remixConsent');
		const deeper = await seedClip(remixer, { lineage: { parent: remixOfRemix, root: parent } });
		await expectHidden(me, deeper, 'remixConsent');
	});
});
