// A consent is deleted while the PLC directory is down, and the person's PDS (as some implementations
// do) answers for the missing record with a bare 400 RecordNotFound, not a signed proof of its absence.
// A revocation needs no signature: the PDS's word must delete the stored likeness once the directory is back.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BareAbsencePds } from './bare-absence-pds.ts';
import { FlakyDirectory } from './flaky-directory.ts';
import { createAccount, eventually, postClip, serviceToken, startStack, xrpc, type Posted, type Stack } from './harness.ts';

const CONSENT = 'video.dreamreel.consent';
const PORTS = { pds: 4783, plc: 4782, worker: 8823, directory: 4790, front: 4791 };
let directory: FlakyDirectory;
let front: BareAbsencePds;
let stack: Stack;
let person: AtpAgent; // whose likeness appears
let author: AtpAgent; // posts a clip featuring the person
let clip: Posted;

/** The person's stored likeness (reference photos), through the worker's service-auth methods. */
async function likeness(nsid: 'video.dreamreel.putLikeness' | 'video.dreamreel.getLikeness', body?: FormData) {
	const headers = await serviceToken(person, stack.serviceDid, nsid);
	const response = await fetch(`${stack.worker.url}/xrpc/${nsid}`, { method: body ? 'POST' : 'GET', headers, body });
	return ((await response.json()) as { likeness?: { cid: string; committed: boolean } }).likeness;
}

const visible = async (uri: string) => (await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri })).status === 200;
const pendingProofs = async () => (await xrpc<{ ingest: { pendingProofs: number } }>(stack.worker.url, '_health')).body.ingest.pendingProofs;

beforeAll(async () => {
	const pdsUrl = `http://localhost:${PORTS.pds}`;
	front = await BareAbsencePds.start(PORTS.front, pdsUrl);
	// The worker learns the PDS from DID documents: they name the front instead. It reads the PDS's
	// firehose as a relay's, as the documents no longer name the host the stream comes from.
	directory = await FlakyDirectory.start(PORTS.directory, `http://localhost:${PORTS.plc}`, (body) => body.replaceAll(pdsUrl, front.url));
	stack = await startStack(PORTS, { PLC_URL: directory.url, FIREHOSE_URL: `relay+ws://localhost:${PORTS.pds}` });
	[person, author] = (await Promise.all(['bare', 'baau'].map((name) => createAccount(stack.network.pdsUrl, name)))) as [AtpAgent, AtpAgent];
	clip = await postClip(author, { cameos: [person.assertDid] });
});
afterAll(async () => {
	await stack?.close();
	await directory?.close();
	await front?.close();
});

it('a consent deleted while the directory is down, which its PDS then answers with a bare RecordNotFound, deletes the stored likeness', async () => {
	const photo = new FormData();
	photo.append('image', new Blob([await readFile(join(import.meta.dirname, '../fixtures/poster.jpg'))], { type: 'image/jpeg' }));
	const stored = await likeness('video.dreamreel.putLikeness', photo);
	await person.com.atproto.repo.putRecord({
		repo: person.assertDid,
		collection: CONSENT,
		rkey: 'self',
		record: { $type: CONSENT, audience: 'everyone', createdAt: new Date().toISOString(), likeness: { cid: stored!.cid, createdAt: new Date().toISOString() } },
	});
	await eventually(async () => expect(await likeness('video.dreamreel.getLikeness')).toMatchObject({ committed: true }), 15_000);
	await eventually(async () => expect(await visible(clip.uri)).toBe(true), 15_000);

	// The handle change drops the worker's cached DID document; a later commit indexed shows it applied.
	directory.down = true;
	await person.com.atproto.identity.updateHandle({ handle: 'bare2.test' });
	const marker = await postClip(author, { caption: 'after the handle change' });
	await eventually(async () => expect(await visible(marker.uri)).toBe(true), 15_000);
	await person.com.atproto.repo.deleteRecord({ repo: person.assertDid, collection: CONSENT, rkey: 'self' });
	await eventually(async () => expect(await visible(clip.uri)).toBe(false));
	expect(await pendingProofs()).toBeGreaterThan(0);

	directory.down = false;
	// The proof is retried with backoff (2 s, 4 s, 8 s…) behind the account's own refresh.
	await eventually(async () => expect(front.bareAnswers).toBeGreaterThan(0), 45_000);
	await eventually(async () => expect(await likeness('video.dreamreel.getLikeness')).toBeUndefined(), 15_000);
	expect(await visible(clip.uri)).toBe(false);
	await eventually(async () => expect(await pendingProofs()).toBe(0), 15_000);
});
