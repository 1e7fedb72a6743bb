import { exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import type { VideoDreamreelDefs } from '../../../worker/lexicons/index.ts';
import { newDid, seedActor, seedClip, seedConsent, type Ref } from '../index-fixtures.ts';

async function remixCount(clip: Ref): Promise<number | undefined> {
	const response = await exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`);
	return (await response.json<{ clip: VideoDreamreelDefs.ClipView }>()).clip.remixCount;
}

async function person(options: { active?: boolean } = {}): Promise<string> {
	const did = newDid();
	await seedActor(did, `p-${did.slice(-8)}.test`, options);
	return did;
}

it('remixCount counts only the remixes a reader can see', async () => {
	const [author, fan, stranger, gone, featured] = [await person(), await person(), await person(), await person({ active: false }), await person()];
	const parent = await seedClip(author, { remixPolicy: 'everyone' });
	const lineage = { parent, root: parent };
	await seedClip(fan, { lineage });
	expect(await remixCount(parent)).toBe(1);

	await seedClip(gone, { lineage }); // author deactivated
	await seedClip(stranger, { lineage, cameos: [featured] }); // features someone who has not consented
	expect(await remixCount(parent)).toBe(1);

	await seedConsent(featured, 'everyone');
	expect(await remixCount(parent)).toBe(2);
});
