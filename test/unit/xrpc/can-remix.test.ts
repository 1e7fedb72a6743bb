import { env, exports } from 'cloudflare:workers';
import type { Nsid } from '@atcute/lexicons';
import { describe, expect, it } from 'vitest';
import { checkPermissions } from '../../../worker/jobs/permissions.ts';
import type { VideoDreamreelDefs } from '../../../worker/lexicons/index.ts';
import { newDid, seedActor, seedClip, seedConsent, seedFollow, type Ref } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

type ClipView = VideoDreamreelDefs.ClipView;

async function call<T>(nsid: Nsid, query: string, viewer?: SignedAccount): Promise<T> {
	const response = await exports.default.fetch(`http://localhost:8787/xrpc/${nsid}?${query}`, viewer ? { headers: await viewer.headers(nsid) } : {});
	expect(response.status).toBe(200);
	return response.json<T>();
}

const getClip = async (clip: Ref, viewer?: SignedAccount) =>
	(await call<{ clip: ClipView }>('video.dreamreel.getClip', `uri=${encodeURIComponent(clip.uri)}`, viewer)).clip;

const canRemix = async (clip: Ref, viewer: SignedAccount) => (await getClip(clip, viewer)).viewer?.canRemix;

async function person(): Promise<string> {
	const did = newDid();
	await seedActor(did, `p-${did.slice(-8)}.test`);
	return did;
}

const signed = async () => signedAccount(await person());

describe('clipView.viewer.canRemix', () => {
	it('is absent without a viewer', async () => {
		const clip = await seedClip(await person());
		expect((await getClip(clip)).viewer).toBeUndefined();
	});

	it('follows the clip’s remix policy: everyone, none, followers, mutuals', async () => {
		const author = await person();
		const me = await signed();
		const [open, closed, followers, mutuals] = [
			await seedClip(author, { remixPolicy: 'everyone' }),
			await seedClip(author, { remixPolicy: 'none' }),
			await seedClip(author, { remixPolicy: 'followers' }),
			await seedClip(author, { remixPolicy: 'mutuals' }),
		];
		expect([await canRemix(open, me), await canRemix(closed, me), await canRemix(followers, me), await canRemix(mutuals, me)]).toEqual([true, false, false, false]);
		await seedFollow(me.did, author);
		expect([await canRemix(followers, me), await canRemix(mutuals, me)]).toEqual([true, false]);
		await seedFollow(author, me.did);
		expect(await canRemix(mutuals, me)).toBe(true);
	});

	it('lets authors remix their own clips whatever the policy', async () => {
		const author = await signed();
		expect(await canRemix(await seedClip(author.did, { remixPolicy: 'none' }), author)).toBe(true);
	});

	it('is false when someone featured does not allow remixes, except for that person', async () => {
		const author = await signed();
		const star = await signed();
		await seedConsent(star.did, 'everyone', { allowRemix: false });
		const clip = await seedClip(author.did, { cameos: [star.did] });
		expect([await canRemix(clip, await signed()), await canRemix(clip, author), await canRemix(clip, star)]).toEqual([false, false, true]);
	});

	it('sits beside the viewer’s like, on every clip of a page', async () => {
		const author = await person();
		const me = await signed();
		const liked = await seedClip(author);
		const closed = await seedClip(author, { remixPolicy: 'none' });
		const likeUri = `at://${me.did}/video.dreamreel.like/3kliked`;
		await env.DB.prepare('INSERT INTO likes (uri, did, subject_uri, created_at) VALUES (?, ?, ?, ?)').bind(likeUri, me.did, liked.uri, new Date().toISOString()).run();
		const { clips } = await call<{ clips: ClipView[] }>('video.dreamreel.getAuthorFeed', `actor=${author}`, me);
		expect(Object.fromEntries(clips.map((clip) => [clip.uri, clip.viewer]))).toEqual({
			[liked.uri]: { like: likeUri, canRemix: true },
			[closed.uri]: { canRemix: false, remixRefusal: 'policy' },
		});
	});

	it('is given on the clip of a lineage, whose remix button depends on it', async () => {
		const me = await signed();
		const closed = await seedClip(await person(), { remixPolicy: 'none' });
		const { clip } = await call<{ clip: ClipView }>('video.dreamreel.getLineage', `uri=${encodeURIComponent(closed.uri)}`, me);
		expect(clip.viewer).toEqual({ canRemix: false, remixRefusal: 'policy' });
	});

	it('agrees with what generate accepts, for every viewer and clip', async () => {
		const author = await person();
		const star = await person();
		await seedConsent(star, 'everyone', { allowRemix: false });
		const friend = await signed();
		await seedFollow(friend.did, author);
		const viewers = [friend, await signed(), await signedAccount(author), await signedAccount(star)];
		const clips = [
			await seedClip(author, { remixPolicy: 'followers' }),
			await seedClip(author, { remixPolicy: 'none' }),
			await seedClip(author, { cameos: [star] }),
			await seedClip(author, { remixPolicy: 'mutuals' }),
		];
		for (const viewer of viewers) {
			for (const clip of clips) {
				const accepted = (await checkPermissions(env.DB, viewer.did, [], clip.uri)).ok;
				expect(await canRemix(clip, viewer), `${viewer.did} remixing ${clip.uri}`).toBe(accepted);
			}
		}
	});
});
