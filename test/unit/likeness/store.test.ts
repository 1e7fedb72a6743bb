// The likeness store and reference URLs inside workerd, with local R2 and D1: what is at rest is
// ciphertext bound to its owner, and a URL is good only for the job, person and time it was signed for.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { rawCid, setCid } from '../../../worker/likeness/cid.ts';
import { likenessKeys } from '../../../worker/likeness/keys.ts';
import { referenceUrl, verifyReferenceUrl } from '../../../worker/likeness/reference-url.ts';
import { likenessObjectKey, LikenessStore } from '../../../worker/likeness/store.ts';
import { nameCandidates } from '../../../worker/jobs/mentions.ts';

const keys = (await likenessKeys(env.LIKENESS_KEY))!;
const store = new LikenessStore(env.LIKENESSES, env.DB, keys.encryption);
const jpeg = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...crypto.getRandomValues(new Uint8Array(256))]);
const contains = (haystack: Uint8Array, needle: Uint8Array) =>
	haystack.some((_, i) => needle.every((byte, j) => haystack[i + j] === byte));
let dids = 0;
const newDid = () => `did:plc:likeness${String(++dids).padStart(16, '0')}`;

describe('the likeness store', () => {
	it('keeps each image as ciphertext at rest, reads back the exact bytes, and names the set by one CID', async () => {
		const did = newDid();
		const photos = [jpeg(), jpeg(), jpeg()];
		const stored = await store.put(did, photos.map((bytes) => ({ bytes, mimeType: 'image/jpeg' })), new Date());
		const cids = await Promise.all(photos.map((photo) => rawCid(photo)));
		expect(stored).toMatchObject({ cid: await setCid(cids), committed: false });
		expect(stored.images).toEqual(photos.map((photo, n) => ({ cid: cids[n], mimeType: 'image/jpeg', size: photo.byteLength })));
		for (const [n, photo] of photos.entries()) {
			const atRest = new Uint8Array(await (await env.LIKENESSES.get(likenessObjectKey(did, n)))!.arrayBuffer());
			expect(contains(atRest, photo.subarray(4, 68))).toBe(false);
			expect((await store.read(did, n))?.bytes).toEqual(photo);
		}
		expect(await store.read(did, 3)).toBeUndefined();
		// The set's CID depends on the order of its images.
		expect(await setCid([cids[1]!, cids[0]!, cids[2]!])).not.toBe(stored.cid);
	});

	it('replaces the whole set: images of a larger earlier one do not outlive it', async () => {
		const did = newDid();
		await store.put(did, [jpeg(), jpeg(), jpeg()].map((bytes) => ({ bytes, mimeType: 'image/jpeg' })), new Date());
		const photo = jpeg();
		const stored = await store.put(did, [{ bytes: photo, mimeType: 'image/jpeg' }], new Date());
		expect(stored.cid).toBe(await setCid([await rawCid(photo)]));
		expect(await env.LIKENESSES.head(likenessObjectKey(did, 1))).toBeNull();
		expect(await env.LIKENESSES.head(likenessObjectKey(did, 2))).toBeNull();
	});

	it('refuses an object moved under another person’s name or another place in the set (both bound into the ciphertext)', async () => {
		const [bob, eve] = [newDid(), newDid()];
		const photo = jpeg();
		await store.put(bob, [{ bytes: photo, mimeType: 'image/jpeg' }, { bytes: photo, mimeType: 'image/jpeg' }], new Date());
		await store.put(eve, [{ bytes: jpeg(), mimeType: 'image/jpeg' }], new Date());
		const bobs = await (await env.LIKENESSES.get(likenessObjectKey(bob, 0)))!.arrayBuffer();
		await env.LIKENESSES.put(likenessObjectKey(eve, 0), bobs);
		expect(await store.read(eve, 0)).toBeUndefined();
		// Same bytes, same CID, but sealed for place 0: not accepted at place 1.
		await env.LIKENESSES.put(likenessObjectKey(bob, 1), bobs);
		expect(await store.read(bob, 1)).toBeUndefined();
		expect((await store.read(bob, 0))?.bytes).toEqual(photo);
	});

	it('deletes every image and the row', async () => {
		const did = newDid();
		await store.put(did, [jpeg(), jpeg()].map((bytes) => ({ bytes, mimeType: 'image/jpeg' })), new Date());
		await store.delete(did);
		for (const n of [0, 1]) expect(await env.LIKENESSES.head(likenessObjectKey(did, n))).toBeNull();
		expect(await store.describe(did)).toBeUndefined();
	});
});

describe('reference URLs', () => {
	const job = 'a'.repeat(32);
	const did = 'did:plc:bobbobbobbobbobbobbobbobb';
	const now = Date.parse('2026-12-06T10:00:00Z');

	it('verify for the job, person, image and time they were signed for, and for nothing else', async () => {
		const url = new URL(await referenceUrl(keys.urls, 'https://dreamreel.example', job, did, 1, now + 60_000));
		expect(url.pathname).toBe(`/likeness/${job}/${encodeURIComponent(did)}/1`);
		expect(await verifyReferenceUrl(keys.urls, job, did, 1, url, now)).toBe(true);
		expect(await verifyReferenceUrl(keys.urls, job, did, 0, url, now)).toBe(false);
		expect(await verifyReferenceUrl(keys.urls, 'b'.repeat(32), did, 1, url, now)).toBe(false);
		expect(await verifyReferenceUrl(keys.urls, job, 'did:plc:eveeveeveeveeveeveeveeve', 1, url, now)).toBe(false);
		expect(await verifyReferenceUrl(keys.urls, job, did, 1, url, now + 61_000)).toBe(false);
		const later = new URL(url);
		later.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
		expect(await verifyReferenceUrl(keys.urls, job, did, 1, later, now)).toBe(false);
	});
});

describe('display names in a prompt', () => {
	it('are runs of two or more words, trimmed of the punctuation around them', () => {
		const names = nameCandidates('a bike ridden by "Dan Rivers", at dawn');
		expect(names).toContain('Dan Rivers');
		expect(names).not.toContain('Dan');
		expect(names).not.toContain('Rivers');
	});
});
