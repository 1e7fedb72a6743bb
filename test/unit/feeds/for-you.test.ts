import { env, exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { newDid, seedActor, seedClip } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

// Signed in, For You marks what it serves as seen (worker/feeds/for-you.ts): exactly what was
// served, not the rest of the window it judged.

async function forYou(limit: number, viewer?: SignedAccount): Promise<string[]> {
	const nsid = 'video.dreamreel.getForYou';
	const response = await exports.default.fetch(`http://localhost:8787/xrpc/${nsid}?limit=${limit}`, viewer ? { headers: await viewer.headers(nsid) } : {});
	expect(response.status).toBe(200);
	return (await response.json<{ clips: { uri: string }[] }>()).clips.map((clip) => clip.uri);
}

const seenBy = async (did: string) =>
	(await env.DB.prepare('SELECT clip_uri FROM seen WHERE did = ?1 ORDER BY clip_uri').bind(did).all<{ clip_uri: string }>()).results.map((row) => row.clip_uri);

it('marks seen exactly the clips a page served: not the rest of its window, nor a clip hidden since the pool was ranked', async () => {
	for (let i = 0; i < 6; i++) {
		const did = newDid();
		await seedActor(did, `fy-${did.slice(-8)}.test`);
		await seedClip(did);
	}
	const viewer = await signedAccount(newDid());
	await seedActor(viewer.did, `fy-viewer-${viewer.did.slice(-8)}.test`);
	// Anonymous and this viewer (no follows, nothing seen) rank the pool the same way.
	const order = await forYou(100);
	expect(order).toHaveLength(6);

	// One wanted, a window of two: only the first is served, and only it is marked.
	expect(await forYou(1, viewer)).toEqual([order[0]]);
	expect(await seenBy(viewer.did)).toEqual([order[0]]);

	// The next unseen clip's author is deactivated (the pool, seconds old, still ranks it): it is
	// neither served nor marked; the one after it is.
	await env.DB.prepare('UPDATE actors SET active = 0 WHERE did = ?1').bind(order[1]!.split('/')[2]).run();
	expect(await forYou(1, viewer)).toEqual([order[2]]);
	expect(await seenBy(viewer.did)).toEqual([order[0], order[2]].sort());
});
