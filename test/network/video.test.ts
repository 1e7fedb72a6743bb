import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSampleVideo } from '../../scripts/sample-video.ts';
import { createAccount, eventually, postClip, startStack, xrpc, type Posted, type Stack } from './harness.ts';

type Playback = { state: string; mp4?: string; reason?: string };

let stack: Stack;
let author: AtpAgent;
let person: AtpAgent;
let clip: Posted;
let mp4: string;

const playback = async (uri: string) =>
	(await xrpc<{ clip: { playback: Playback } }>(stack.worker.url, 'video.dreamreel.getClip', { uri })).body.clip?.playback;

beforeAll(async () => {
	stack = await startStack({ pds: 3283, plc: 3282, worker: 8794 });
	[author, person] = (await Promise.all(['ada', 'pia'].map((name) => createAccount(stack.network.pdsUrl, name)))) as [AtpAgent, AtpAgent];
	await person.com.atproto.repo.putRecord({
		repo: person.assertDid,
		collection: 'video.dreamreel.consent',
		rkey: 'self',
		record: { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString() },
	});
	clip = await postClip(author, { cameos: [person.assertDid] });
	mp4 = await eventually(async () => {
		const current = await playback(clip.uri);
		expect(current).toMatchObject({ state: 'ready', mp4: expect.stringMatching(/\/video\/baf/) });
		return current!.mp4!;
	}, 20_000);
});
afterAll(() => stack?.close());

describe('mirrored playback', () => {
	it('serves the very bytes of the blob from the video host', async () => {
		const response = await fetch(mp4);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('cache-control')).toContain('immutable');
		expect(new Uint8Array(await response.arrayBuffer())).toEqual(await readSampleVideo('gradients'));
	});

	it('answers ranges with 206 and serves repeat plays from the edge cache', async () => {
		const bytes = await readSampleVideo('gradients');
		const range = await fetch(mp4, { headers: { range: 'bytes=100-199' } });
		expect(range.status).toBe(206);
		expect(range.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
		expect(new Uint8Array(await range.arrayBuffer())).toEqual(bytes.slice(100, 200));
		await fetch(mp4).then((response) => response.arrayBuffer());
		await eventually(async () => expect((await fetch(mp4, { method: 'HEAD' })).headers.get('x-dreamreel-cache')).toBe('hit'));
	});

	it('refuses the hosted copy once consent is revoked, and serves it again when re-granted', async () => {
		await person.com.atproto.repo.deleteRecord({ repo: person.assertDid, collection: 'video.dreamreel.consent', rkey: 'self' });
		await eventually(async () => expect((await fetch(mp4)).status).toBe(403), 15_000);
		expect((await xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri: clip.uri })).status).toBe(404);
		await person.com.atproto.repo.putRecord({
			repo: person.assertDid,
			collection: 'video.dreamreel.consent',
			rkey: 'self',
			record: { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString() },
		});
		await eventually(async () => expect((await fetch(mp4)).status).toBe(200), 15_000);
	});
});
