import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccount, eventually, postClip, startStack, xrpc, type Posted, type Stack } from './harness.ts';

let stack: Stack;
let writers: AtpAgent[];

beforeAll(async () => {
	stack = await startStack({ pds: 2883, plc: 2882, worker: 8790 });
	writers = [await createAccount(stack.network.pdsUrl, 'fern'), await createAccount(stack.network.pdsUrl, 'gus')];
});
afterAll(() => stack?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates clips and deletes some of them, as fast as the PDS takes them, until `stop` resolves. */
async function write(agent: AtpAgent, stop: { done: boolean }): Promise<number> {
	const live: Posted[] = [];
	let ops = 0;
	while (!stop.done) {
		if (live.length > 3 && Math.random() < 0.3) {
			const [gone] = live.splice(Math.floor(Math.random() * live.length), 1);
			await agent.com.atproto.repo.deleteRecord({ repo: agent.assertDid, collection: 'video.dreamreel.clip', rkey: gone!.uri.split('/').pop()! });
		} else {
			live.push(await postClip(agent, { caption: `op ${ops}` }));
		}
		ops++;
	}
	return ops;
}

async function indexedUris(did: string): Promise<string[]> {
	const uris: string[] = [];
	let cursor: string | undefined;
	do {
		const { status, body } = await xrpc<{ clips: { uri: string }[]; cursor?: string }>(
			stack.worker.url,
			'video.dreamreel.getAuthorFeed',
			{ actor: did, limit: '100', ...(cursor ? { cursor } : {}) },
		);
		if (status !== 200) return [];
		uris.push(...body.clips.map((clip) => clip.uri));
		cursor = body.cursor;
	} while (cursor);
	return uris;
}

async function pdsUris(agent: AtpAgent): Promise<string[]> {
	const uris: string[] = [];
	let cursor: string | undefined;
	do {
		const { data } = await agent.com.atproto.repo.listRecords({ repo: agent.assertDid, collection: 'video.dreamreel.clip', limit: 100, cursor });
		uris.push(...data.records.map((record) => record.uri));
		cursor = data.records.length === 100 ? data.cursor : undefined;
	} while (cursor);
	return uris;
}

it('loses no event and applies none twice when the ingester is killed at random points', async () => {
	const stop = { done: false };
	const writing = Promise.all(writers.map((agent) => write(agent, stop)));
	for (let kill = 0; kill < 3; kill++) {
		await sleep(500 + Math.random() * 1500);
		await stack.restartWorker();
	}
	await sleep(1000);
	stop.done = true;
	const ops = await writing;
	expect(ops.reduce((a, b) => a + b)).toBeGreaterThan(20);

	for (const agent of writers) {
		const expected = (await pdsUris(agent)).sort();
		await eventually(async () => {
			const actual = await indexedUris(agent.assertDid);
			expect(new Set(actual).size).toBe(actual.length);
			expect(actual.sort()).toEqual(expected);
		}, 30_000);
	}
}, 180_000);
