import { env, exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { checkPermissions } from '../../../worker/jobs/permissions.ts';
import { newDid, seedActor, seedClip, seedConsent, type Ref } from '../index-fixtures.ts';

// A remix reuses the likeness of everyone its parent (and its chain's root) features, whether or not
// it names them again: their consent must let the remixer remix them.

const shown = async (clip: Ref) =>
	(await exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`)).status === 200;

async function person(): Promise<string> {
	const did = newDid();
	await seedActor(did, `p-${did.slice(-8)}.test`);
	return did;
}

const revoke = (did: string) => env.DB.prepare('DELETE FROM consents WHERE did = ?1').bind(did).run();

it('a remix is hidden once a person its parent features revokes consent, and back when re-granted', async () => {
	const [author, remixer, featured] = [await person(), await person(), await person()];
	await seedConsent(featured, 'everyone');
	const parent = await seedClip(author, { cameos: [featured] });
	const remix = await seedClip(remixer, { lineage: { parent, root: parent } });
	expect([await shown(parent), await shown(remix)]).toEqual([true, true]);

	await revoke(featured);
	expect([await shown(parent), await shown(remix)]).toEqual([false, false]);
	await seedConsent(featured, 'everyone');
	expect(await shown(remix)).toBe(true);
});

it('a consent granted to the parent’s author only does not extend to remixers', async () => {
	const [author, remixer, featured] = [await person(), await person(), await person()];
	await seedConsent(featured, 'listed', { allowed: [author] });
	const parent = await seedClip(author, { cameos: [featured] });
	const remix = await seedClip(remixer, { lineage: { parent, root: parent } });
	expect([await shown(parent), await shown(remix)]).toEqual([true, false]);
	expect(await checkPermissions(env.DB, remixer, [], parent.uri)).toMatchObject({ ok: false, error: 'RemixNotAllowed' });

	await seedConsent(featured, 'listed', { allowed: [author, remixer] });
	expect(await shown(remix)).toBe(true);
	expect(await checkPermissions(env.DB, remixer, [], parent.uri)).toMatchObject({ ok: true });
});

it('the root’s cameos count down the chain: a remix of a remix is hidden with the root', async () => {
	const [author, first, second, featured] = [await person(), await person(), await person(), await person()];
	await seedConsent(featured, 'everyone');
	const root = await seedClip(author, { cameos: [featured] });
	const middle = await seedClip(first, { lineage: { parent: root, root } });
	const leaf = await seedClip(second, { lineage: { parent: middle, root } });
	expect(await shown(leaf)).toBe(true);
	await seedConsent(featured, 'everyone', { allowRemix: false });
	expect([await shown(root), await shown(middle), await shown(leaf)]).toEqual([true, false, false]);
});

it('an author featuring themselves needs no consent record for others to remix the clip', async () => {
	const [author, remixer] = [await person(), await person()];
	const parent = await seedClip(author, { cameos: [author] });
	const remix = await seedClip(remixer, { lineage: { parent, root: parent } });
	expect(await shown(remix)).toBe(true);
});

it('follows likenesses up the whole chain: someone featured mid-chain counts two remixes down', async () => {
	const [author, first, second, third, featured] = [await person(), await person(), await person(), await person(), await person()];
	await seedConsent(featured, 'everyone');
	const root = await seedClip(author);
	const middle = await seedClip(first, { lineage: { parent: root, root }, cameos: [featured] });
	const next = await seedClip(second, { lineage: { parent: middle, root } });
	const leaf = await seedClip(third, { lineage: { parent: next, root } });
	expect(await shown(leaf)).toBe(true);
	await revoke(featured);
	expect([await shown(root), await shown(middle), await shown(next), await shown(leaf)]).toEqual([true, false, false, false]);
});
