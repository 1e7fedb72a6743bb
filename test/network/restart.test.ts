import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readSampleVideo } from '../../scripts/sample-video.ts';
import { createAccount, eventually, postClip, serviceToken, startStack, xrpc, type Posted, type Stack } from './harness.ts';

let stack: Stack;
let writers: AtpAgent[];
/** Featured in some clips; grants and withdraws consent while the stream flows. */
let pia: AtpAgent;
/** Follow and unfollow the writers while the stream flows. */
let followers: AtpAgent[];

const CLIP = 'video.dreamreel.clip';
const KILLS = 20;

beforeAll(async () => {
	stack = await startStack({ pds: 2883, plc: 2882, worker: 8790 });
	const account = (name: string) => createAccount(stack.network.pdsUrl, name);
	writers = [await account('fern'), await account('gus')];
	pia = await account('pia');
	followers = [await account('hal'), await account('ivy')];
});
afterAll(() => stack?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rkeyOf = (uri: string) => uri.split('/').pop()!;
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

/**
 * Creates clips (one in three featuring pia, on a video of their own) and deletes some, as fast as
 * the PDS takes them, until `stop.done`.
 */
async function write(agent: AtpAgent, stop: { done: boolean }): Promise<number> {
	const featuringBytes = await readSampleVideo('mandelbrot');
	const live: Posted[] = [];
	let ops = 0;
	for (; !stop.done; ops++) {
		if (live.length > 3 && Math.random() < 0.3) {
			const [gone] = live.splice(Math.floor(Math.random() * live.length), 1);
			await agent.com.atproto.repo.deleteRecord({ repo: agent.assertDid, collection: CLIP, rkey: rkeyOf(gone!.uri) });
		} else {
			// Uploaded again each time: the PDS drops a blob once no record uses it.
			const featuring = ops % 3 === 0 ? { video: (await agent.uploadBlob(featuringBytes, { encoding: 'video/mp4' })).data.blob, cameos: [pia.assertDid] } : {};
			live.push(await postClip(agent, { caption: `op ${ops}`, ...featuring }));
		}
	}
	return ops;
}

/** Grants and withdraws consent, and follows and unfollows, until `stop.done`. */
async function change(stop: { done: boolean }): Promise<void> {
	while (!stop.done) {
		const consented = (await pia.com.atproto.repo.listRecords({ repo: pia.assertDid, collection: 'video.dreamreel.consent' })).data.records.length > 0;
		if (consented) await pia.com.atproto.repo.deleteRecord({ repo: pia.assertDid, collection: 'video.dreamreel.consent', rkey: 'self' });
		else {
			const record = { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString() };
			await pia.com.atproto.repo.putRecord({ repo: pia.assertDid, collection: 'video.dreamreel.consent', rkey: 'self', record });
		}
		const follower = pick(followers);
		const subject = pick(writers);
		const follows = await followsOf(follower);
		const existing = follows.find((f) => f.subject === subject.assertDid);
		if (existing) await follower.com.atproto.repo.deleteRecord({ repo: follower.assertDid, collection: 'app.bsky.graph.follow', rkey: rkeyOf(existing.uri) });
		else await follower.app.bsky.graph.follow.create({ repo: follower.assertDid }, { subject: subject.assertDid, createdAt: new Date().toISOString() });
		await sleep(100);
	}
}

async function followsOf(agent: AtpAgent): Promise<{ uri: string; subject: string; createdAt: string }[]> {
	const { data } = await agent.com.atproto.repo.listRecords({ repo: agent.assertDid, collection: 'app.bsky.graph.follow', limit: 100 });
	return data.records.map((record) => ({ uri: record.uri, ...(record.value as { subject: string; createdAt: string }) }));
}

/** Every page of an XRPC list of clips. */
async function allClips(nsid: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ uri: string }[] | undefined> {
	const clips: { uri: string }[] = [];
	let cursor: string | undefined;
	do {
		const { status, body } = await xrpc<{ clips: { uri: string }[]; cursor?: string }>(stack.worker.url, nsid, { limit: '100', ...params, ...(cursor ? { cursor } : {}) }, headers);
		if (status !== 200) return undefined;
		clips.push(...body.clips);
		cursor = body.cursor;
	} while (cursor);
	return clips;
}

/** The writer's clips on their PDS, and whether each features pia (and on which video). */
async function pdsClips(agent: AtpAgent): Promise<{ uri: string; featuring: boolean; video: string; createdAt: string }[]> {
	const clips = [];
	let cursor: string | undefined;
	do {
		const { data } = await agent.com.atproto.repo.listRecords({ repo: agent.assertDid, collection: CLIP, limit: 100, cursor });
		for (const { uri, value } of data.records) {
			const record = value as { cameos?: string[]; video: { ref: { toString(): string } }; createdAt: string };
			clips.push({ uri, featuring: (record.cameos ?? []).length > 0, video: record.video.ref.toString(), createdAt: record.createdAt });
		}
		cursor = data.records.length === 100 ? data.cursor : undefined;
	} while (cursor);
	return clips;
}

it(`loses nothing and applies nothing twice when the worker is killed ${KILLS} times at random instants`, async () => {
	const stop = { done: false };
	const flowing = Promise.all([...writers.map((agent) => write(agent, stop)), change(stop)]);
	for (let kill = 0; kill < KILLS; kill++) {
		await sleep(200 + Math.random() * 1000);
		await stack.restartWorker();
	}
	await sleep(1000);
	stop.done = true;
	const [fern, gus] = await flowing;
	expect(fern! + gus!).toBeGreaterThan(40);

	// What a run without kills gives, read from the PDS: pia's final consent decides the clips featuring her.
	const consented = (await pia.com.atproto.repo.listRecords({ repo: pia.assertDid, collection: 'video.dreamreel.consent' })).data.records.length > 0;
	const byWriter = new Map(await Promise.all(writers.map(async (agent) => [agent.assertDid as string, await pdsClips(agent)] as const)));
	const shownClips = (did: string) => byWriter.get(did)!.filter((clip) => consented || !clip.featuring);
	const shown = (did: string) => shownClips(did).map((clip) => clip.uri).sort();

	for (const agent of writers) {
		await eventually(async () => {
			const indexed = (await allClips('video.dreamreel.getAuthorFeed', { actor: agent.assertDid }))!.map((clip) => clip.uri);
			expect(new Set(indexed).size).toBe(indexed.length);
			expect(indexed.sort()).toEqual(shown(agent.assertDid));
		}, 60_000);
	}
	// A timeline holds shown clips of whom one follows, and nothing else; every such clip made after the
	// follow was pushed in (a follow itself brings only the newest 50 before it).
	for (const follower of followers) {
		const follows = await followsOf(follower);
		const allowed = new Set(follows.flatMap((f) => shown(f.subject)));
		const pushed = follows.flatMap((f) => shownClips(f.subject).filter((clip) => clip.createdAt > f.createdAt).map((clip) => clip.uri));
		const headers = await serviceToken(follower, stack.serviceDid, 'video.dreamreel.getTimeline');
		await eventually(async () => {
			const timeline = (await allClips('video.dreamreel.getTimeline', {}, headers))!.map((clip) => clip.uri);
			expect(new Set(timeline).size).toBe(timeline.length);
			expect(timeline.filter((uri) => !allowed.has(uri))).toEqual([]);
			expect(pushed.filter((uri) => !timeline.includes(uri))).toEqual([]);
		}, 60_000);
	}
	// The hosted copies: the featuring video is public exactly when some clip using it may be shown.
	const featuringVideos = new Set([...byWriter.values()].flat().filter((clip) => clip.featuring).map((clip) => clip.video));
	for (const cid of featuringVideos) {
		await eventually(async () => {
			const response = await fetch(`${stack.worker.url}/video/${cid}`, { method: 'HEAD' });
			expect(response.status === 200).toBe(consented);
		}, 60_000);
	}
}, 600_000);
