// The PLC directory goes down while a person changes their consent. Their #identity event (a handle
// change) has dropped the worker's cached DID document, so their commit cannot be verified: the change
// must still hide what it may hide at once, and once the directory is back nothing may be lost.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FlakyDirectory } from './flaky-directory.ts';
import { createAccount, eventually, postClip, serviceToken, startStack, xrpc, type Posted, type Stack } from './harness.ts';

const CONSENT = 'video.dreamreel.consent';
let directory: FlakyDirectory;
let stack: Stack;
let person: AtpAgent; // whose likeness appears
let follower: AtpAgent; // follows the person
let stranger: AtpAgent;
const clips: Posted[] = [];

const grant = (audience: string, fields: Record<string, unknown> = {}) =>
	person.com.atproto.repo.putRecord({
		repo: person.assertDid,
		collection: CONSENT,
		rkey: 'self',
		record: { $type: CONSENT, audience, createdAt: new Date().toISOString(), ...fields },
	});

/** The person's stored likeness (reference photos), through the worker's service-auth methods. */
async function likeness(nsid: 'video.dreamreel.putLikeness' | 'video.dreamreel.getLikeness', body?: FormData) {
	const headers = await serviceToken(person, stack.serviceDid, nsid);
	const response = await fetch(`${stack.worker.url}/xrpc/${nsid}`, { method: body ? 'POST' : 'GET', headers, body });
	return ((await response.json()) as { likeness?: { cid: string; committed: boolean } }).likeness;
}

const visible = async (uri: string) => (await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri })).status === 200;

/** Whether the follower's and the stranger's clips featuring the person are shown. */
const shown = () => Promise.all(clips.map((clip) => visible(clip.uri)));

const pendingProofs = async () => (await xrpc<{ ingest: { pendingProofs: number } }>(stack.worker.url, '_health')).body.ingest.pendingProofs;

/** Takes the directory down, then changes the person's handle: the worker drops their cached document. */
async function outageAfterIdentityChange(handle: string): Promise<void> {
	directory.down = true;
	await person.com.atproto.identity.updateHandle({ handle });
	// The stream is in order: once a later commit is indexed, the #identity event has been applied.
	const marker = await postClip(stranger, { caption: `after ${handle}` });
	await eventually(async () => expect(await visible(marker.uri)).toBe(true), 15_000);
}

beforeAll(async () => {
	// The directory dev-env will start on port 4482, behind the proxy the worker is given.
	directory = await FlakyDirectory.start(4490, 'http://localhost:4482');
	stack = await startStack({ pds: 4483, plc: 4482, worker: 8821 }, { PLC_URL: directory.url });
	[person, follower, stranger] = (await Promise.all(['olly', 'olfo', 'olst'].map((name) => createAccount(stack.network.pdsUrl, name)))) as [AtpAgent, AtpAgent, AtpAgent];
	await follower.app.bsky.graph.follow.create({ repo: follower.assertDid }, { subject: person.assertDid, createdAt: new Date().toISOString() });
	for (const author of [follower, stranger]) clips.push(await postClip(author, { cameos: [person.assertDid] }));
});
afterAll(async () => {
	await stack?.close();
	await directory?.close();
});

it('a consent narrowed while the directory is down hides the clips at once; once it is back, its proof restores what the repo holds', async () => {
	await grant('everyone');
	await eventually(async () => expect(await shown()).toEqual([true, true]));
	await outageAfterIdentityChange('olly2.test');
	await grant('followers');
	await eventually(async () => expect(await shown()).toEqual([false, false]));
	expect(await pendingProofs()).toBeGreaterThan(0);
	directory.down = false;
	// The proof is retried with backoff (2 s, 4 s, 8 s…) behind the account's own refresh.
	await eventually(async () => expect(await shown()).toEqual([true, false]), 45_000);
	await eventually(async () => expect(await pendingProofs()).toBe(0), 30_000);
});

it('a consent deleted while the directory is down hides the clips at once; once it is back, its likeness is deleted too', async () => {
	const photo = new FormData();
	photo.append('image', new Blob([await readFile(join(import.meta.dirname, '../fixtures/poster.jpg'))], { type: 'image/jpeg' }));
	const stored = await likeness('video.dreamreel.putLikeness', photo);
	await grant('everyone', { likeness: { cid: stored!.cid, createdAt: new Date().toISOString() } });
	await eventually(async () => expect(await likeness('video.dreamreel.getLikeness')).toMatchObject({ committed: true }), 15_000);
	await eventually(async () => expect(await shown()).toEqual([true, true]), 15_000);
	await outageAfterIdentityChange('olly3.test');
	await person.com.atproto.repo.deleteRecord({ repo: person.assertDid, collection: CONSENT, rkey: 'self' });
	await eventually(async () => expect(await shown()).toEqual([false, false]));
	directory.down = false;
	// The proof of the record's absence is the deletion, proven: the stored photos go with it.
	await eventually(async () => expect(await likeness('video.dreamreel.getLikeness')).toBeUndefined(), 45_000);
	expect(await shown()).toEqual([false, false]);
});
