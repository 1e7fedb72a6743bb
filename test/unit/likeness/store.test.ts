// The likeness store and reference URLs inside workerd, with local R2 and D1: what is at rest is
// ciphertext bound to its owner, and a URL is good only for the job, person and time it was signed for.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { rawCid } from '../../../worker/likeness/cid.ts';
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
	it('keeps ciphertext at rest and reads back the exact bytes its CID names', async () => {
		const did = newDid();
		const photo = jpeg();
		const stored = await store.put(did, photo, 'image/jpeg', new Date());
		expect(stored).toMatchObject({ cid: await rawCid(photo), size: photo.byteLength, committed: false });
		const atRest = new Uint8Array(await (await env.LIKENESSES.get(likenessObjectKey(did)))!.arrayBuffer());
		expect(contains(atRest, photo.subarray(4, 68))).toBe(false);
		expect((await store.read(did))?.bytes).toEqual(photo);
	});

	it('refuses one person’s object moved under another’s name (the DID is bound into the ciphertext)', async () => {
		const [bob, eve] = [newDid(), newDid()];
		await store.put(bob, jpeg(), 'image/jpeg', new Date());
		await store.put(eve, jpeg(), 'image/jpeg', new Date());
		const bobs = await env.LIKENESSES.get(likenessObjectKey(bob));
		await env.LIKENESSES.put(likenessObjectKey(eve), await bobs!.arrayBuffer());
		expect(await store.read(eve)).toBeUndefined();
	});

	it('deletes the bytes and the row', async () => {
		const did = newDid();
		await store.put(did, jpeg(), 'image/jpeg', new Date());
		await store.delete(did);
		expect(await env.LIKENESSES.head(likenessObjectKey(did))).toBeNull();
		expect(await store.describe(did)).toBeUndefined();
	});
});

describe('reference URLs', () => {
	const job = 'a'.repeat(32);
	const did = 'did:plc:bobbobbobbobbobbobbobbobb';
	const now = Date.parse('2026-12-06T10:00:00Z');

	it('verify for the job, person and time they were signed for, and for nothing else', async () => {
		const url = new URL(await referenceUrl(keys.urls, 'https://dreamreel.example', job, did, now + 60_000));
		expect(url.pathname).toBe(`/likeness/${job}/${encodeURIComponent(did)}`);
		expect(await verifyReferenceUrl(keys.urls, job, did, url, now)).toBe(true);
		expect(await verifyReferenceUrl(keys.urls, 'b'.repeat(32), did, url, now)).toBe(false);
		expect(await verifyReferenceUrl(keys.urls, job, 'did:plc:eveeveeveeveeveeveeveeve', url, now)).toBe(false);
		expect(await verifyReferenceUrl(keys.urls, job, did, url, now + 61_000)).toBe(false);
		const later = new URL(url);
		later.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
		expect(await verifyReferenceUrl(keys.urls, job, did, later, now)).toBe(false);
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
