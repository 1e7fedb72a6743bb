// Generation end to end against the reference PDS: the real worker (wrangler dev) with the demo
// provider, clients authenticating with PDS-minted service JWTs or through their PDS (atproto-proxy),
// progress over the job's WebSocket, publishing with web/lib/publish.ts, and the index picking it up.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishJob, type PublishableJob } from '../../web/lib/publish.ts';
import { createAccount, eventually, postClip, serviceToken, startStack, viaPds as callViaPds, xrpc, type Stack } from './harness.ts';

type Job = PublishableJob & { progress: number; error?: string };
type Clip = { uri: string; record: Record<string, unknown>; lineage?: { parent: { uri: string }; root: { uri: string } } };

let stack: Stack;
let ana: AtpAgent; // creates
let ben: AtpAgent; // follows ana, remixes
let cyd: AtpAgent; // featured only once she consents

let keys = 0;
const key = () => `test-key-${Date.now()}-${++keys}`;

/** A procedure called directly, with a service JWT the caller's PDS minted for exactly this method. */
async function direct(agent: AtpAgent, nsid: string, body: unknown) {
	const headers = await serviceToken(agent, stack.serviceDid, nsid);
	const response = await fetch(`${stack.worker.url}/xrpc/${nsid}`, {
		method: 'POST',
		headers: { ...headers, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as { job: Job; error?: string; message?: string } };
}

const viaPds = (agent: AtpAgent, nsid: string, body?: unknown, query = '') => callViaPds<{ job: Job; error?: string }>(stack, agent, nsid, body, query);

async function getJob(agent: AtpAgent, id: string) {
	const headers = await serviceToken(agent, stack.serviceDid, 'video.dreamreel.getJob');
	return xrpc<{ job: Job; error?: string }>(stack.worker.url, 'video.dreamreel.getJob', { id }, headers);
}

const untilReady = (agent: AtpAgent, id: string) =>
	eventually(async () => {
		const { body } = await getJob(agent, id);
		expect(body.job.status).toBe('ready');
		return body.job;
	}, 30_000);

/** The job's event socket, authenticated as a browser would: a getJob service JWT in the query. */
async function watch(agent: AtpAgent, id: string) {
	const { authorization } = await serviceToken(agent, stack.serviceDid, 'video.dreamreel.getJob');
	const url = `${stack.worker.url.replace(/^http/, 'ws')}/jobs/${id}/events?token=${authorization!.slice('Bearer '.length)}`;
	const socket = new WebSocket(url);
	const seen: Job[] = [];
	socket.addEventListener('message', (event) => {
		seen.push((JSON.parse(String(event.data)) as { job: Job }).job);
	});
	const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
	const opened = new Promise<boolean>((resolve) => {
		socket.addEventListener('open', () => resolve(true));
		socket.addEventListener('error', () => resolve(false));
	});
	return { seen, closed, opened };
}

const follow = (agent: AtpAgent, subject: AtpAgent) =>
	agent.app.bsky.graph.follow.create({ repo: agent.assertDid }, { subject: subject.assertDid, createdAt: new Date().toISOString() });

const indexed = (uri: string) =>
	eventually(async () => {
		const { status, body } = await xrpc<{ clip: Clip }>(stack.worker.url, 'video.dreamreel.getClip', { uri });
		expect(status).toBe(200);
		return body.clip;
	}, 15_000);

beforeAll(async () => {
	stack = await startStack({ pds: 3183, plc: 3182, worker: 8793 }, { DEMO_GENERATION_MS: '3000' });
	[ana, ben, cyd] = (await Promise.all(['ana', 'ben', 'cyd'].map((name) => createAccount(stack.network.pdsUrl, name)))) as [AtpAgent, AtpAgent, AtpAgent];
	await follow(ben, ana);
});
afterAll(() => stack?.close());

describe('generate → ready → publish', () => {
	it('with a service JWT: progress streams to 100 %, the clip is published to the PDS and reaches feeds', async () => {
		const { status, body } = await direct(ana, 'video.dreamreel.generate', { prompt: 'a glass lighthouse at dusk', idempotencyKey: key() });
		expect(status).toBe(200);
		expect(body.job).toMatchObject({ status: 'queued', provider: 'demo', progress: 0 });
		const socket = await watch(ana, body.job.id);
		expect(await socket.opened).toBe(true);

		const job = await untilReady(ana, body.job.id);
		expect(await socket.closed).toBe(1000);
		expect(socket.seen.at(-1)).toMatchObject({ status: 'ready', progress: 100 });
		expect(socket.seen.some((view) => view.status === 'rendering' && view.progress > 10 && view.progress < 90)).toBe(true);
		expect(job.result).toMatchObject({ mimeType: 'video/mp4', durationMs: 3000, aspectRatio: { width: 9, height: 16 } });

		const { clip: published } = await publishJob(ana, job, { caption: 'made on Dreamreel' });
		expect(published.uri).toMatch(new RegExp(`^at://${ana.assertDid}/video\\.dreamreel\\.clip/`));
		const clip = await indexed(published.uri);
		expect(clip.record).toMatchObject({
			prompt: 'a glass lighthouse at dusk',
			generator: { provider: 'demo', model: 'demo-samples-1' },
			labels: { values: [{ val: 'ai-generated' }] },
			durationMs: 3000,
			aspectRatio: { width: 9, height: 16 },
		});
		await eventually(async () => {
			const { body: feed } = await xrpc<{ clips: Clip[] }>(stack.worker.url, 'video.dreamreel.getAuthorFeed', { actor: ana.assertDid });
			expect(feed.clips.map((c) => c.uri)).toContain(published.uri);
		});
		await eventually(async () => {
			const headers = await serviceToken(ben, stack.serviceDid, 'video.dreamreel.getTimeline');
			const { body: timeline } = await xrpc<{ clips: Clip[] }>(stack.worker.url, 'video.dreamreel.getTimeline', {}, headers);
			expect(timeline.clips.map((c) => c.uri)).toContain(published.uri);
		}, 15_000);
	});

	it('through the PDS (atproto-proxy): a remix, idempotent across both paths, published with parent and root', async () => {
		const parent = await postClip(ana, { prompt: 'a paper boat on a stormy sea' });
		await indexed(parent.uri);
		const idempotencyKey = key();
		const input = { prompt: 'the same boat, in space', idempotencyKey, remixOf: parent.uri };
		const proxied = await viaPds(ben, 'video.dreamreel.generate', input);
		expect(proxied.status).toBe(200);
		expect(proxied.body.job).toMatchObject({ remixOf: parent, root: parent });
		const again = await direct(ben, 'video.dreamreel.generate', input);
		expect(again.body.job.id).toBe(proxied.body.job.id);

		const job = await eventually(async () => {
			const { status, body } = await viaPds(ben, 'video.dreamreel.getJob', undefined, `?id=${proxied.body.job.id}`);
			expect(status).toBe(200);
			expect(body.job.status).toBe('ready');
			return body.job;
		}, 30_000);
		const { clip: published } = await publishJob(ben, job);
		expect(published.uri).toMatch(/\/video\.dreamreel\.remix\//);
		const remix = await indexed(published.uri);
		expect(remix.lineage).toMatchObject({ parent: { uri: parent.uri }, root: { uri: parent.uri } });
	});
});

describe('publishing with a poster, shared to Bluesky', () => {
	it('the poster is indexed, hosted beside the video and served as the clip’s thumbnail; the post plays the same blob and reaches the feed generator', async () => {
		const { body } = await direct(ana, 'video.dreamreel.generate', { prompt: 'a kite over a salt flat', idempotencyKey: key() });
		const job = await untilReady(ana, body.job.id);
		const poster = new Uint8Array(await readFile(join(import.meta.dirname, '../fixtures/poster.jpg')));
		const link = (ref: { uri: string }) => `${stack.worker.url}/c/${ref.uri.split('/')[2]}/${ref.uri.split('/').pop()}`;
		const { clip: ref, post } = await publishJob(ana, job, { caption: 'kite day', poster: { bytes: poster, mimeType: 'image/jpeg' }, bluesky: { link } });

		const clip = await indexed(ref.uri);
		const video = (clip.record as { video: { ref: { $link: string } } }).video.ref.$link;
		// Hosted beside the video once the mirror has copied both (until then, from the PDS).
		await eventually(async () => {
			const { body: view } = await xrpc<{ clip: { playback: { thumbnail?: string } } }>(stack.worker.url, 'video.dreamreel.getClip', { uri: ref.uri });
			expect(view.clip.playback.thumbnail).toBe(`${stack.worker.url}/video/${video}/poster`);
		}, 15_000);
		const served = await fetch(`${stack.worker.url}/video/${video}/poster`);
		expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
		expect(new Uint8Array(await served.arrayBuffer())).toEqual(poster);

		// The post, read back with @atproto/api: the clip's own video blob, its aspect ratio, alt text and a link facet to the clip's page.
		const data = await ana.app.bsky.feed.post.get({ repo: ana.assertDid, rkey: post!.uri.split('/').pop()! });
		expect(data.value.embed).toMatchObject({ $type: 'app.bsky.embed.video', alt: 'kite day', aspectRatio: { width: 9, height: 16 } });
		expect((data.value.embed as { video: { ref: { toString(): string } } }).video.ref.toString()).toBe(video);
		expect(data.value.text).toBe(`kite day\n\n${link(ref)}`);
		expect(data.value.facets?.[0]).toMatchObject({ index: { byteStart: 10, byteEnd: 10 + link(ref).length }, features: [{ uri: link(ref) }] });
		await eventually(async () => {
			const feed = `at://${stack.serviceDid}/app.bsky.feed.generator/trending`;
			const { body: skeleton } = await xrpc<{ feed: { post: string }[] }>(stack.worker.url, 'app.bsky.feed.getFeedSkeleton', { feed });
			expect(skeleton.feed.map((item) => item.post)).toContain(post!.uri);
		}, 15_000);
	});

	it('refuses a poster over the lexicon’s 1 MB before uploading anything', async () => {
		const { body } = await direct(ana, 'video.dreamreel.generate', { prompt: 'too big a poster', idempotencyKey: key() });
		const job = await untilReady(ana, body.job.id);
		await expect(publishJob(ana, job, { poster: { bytes: new Uint8Array(1_000_001), mimeType: 'image/jpeg' } })).rejects.toThrow(/poster has 1000001 bytes/);
	});
});

describe('drafts: listJobs and dismissJob', () => {
	const list = async (agent: AtpAgent, params: Record<string, string> = {}) => {
		const headers = await serviceToken(agent, stack.serviceDid, 'video.dreamreel.listJobs');
		return xrpc<{ jobs: Job[]; cursor?: string; error?: string }>(stack.worker.url, 'video.dreamreel.listJobs', params, headers);
	};

	it('lists the caller’s jobs only, newest first, page by page', async () => {
		const first = (await direct(ben, 'video.dreamreel.generate', { prompt: 'draft one', idempotencyKey: key() })).body.job;
		const second = (await direct(ben, 'video.dreamreel.generate', { prompt: 'draft two', idempotencyKey: key() })).body.job;
		const mine = await list(ben);
		expect(mine.status).toBe(200);
		expect(mine.body.jobs.slice(0, 2).map((job) => job.id)).toEqual([second.id, first.id]);
		const anas = await list(ana);
		expect(anas.body.jobs.length).toBeGreaterThan(0);
		expect(anas.body.jobs.map((job) => job.id)).not.toContain(first.id);
		expect(mine.body.jobs.map((job) => job.id).filter((id) => anas.body.jobs.some((job) => job.id === id))).toEqual([]);

		const page1 = await list(ben, { limit: '1' });
		const page2 = await list(ben, { limit: '1', cursor: page1.body.cursor! });
		expect([page1.body.jobs[0]?.id, page2.body.jobs[0]?.id]).toEqual([second.id, first.id]);
		expect((await list(ben, { cursor: 'x::y' })).status).toBe(400);
		// Through the PDS (atproto-proxy), as the web client calls it.
		const proxied = await viaPds(ben, 'video.dreamreel.listJobs');
		expect(proxied.status).toBe(200);
	});

	it('needs a caller; nobody can dismiss another’s job; dismissing takes it off the list', async () => {
		const unsigned = await xrpc<{ error?: string }>(stack.worker.url, 'video.dreamreel.listJobs');
		expect([unsigned.status, unsigned.body.error]).toEqual([401, 'AuthMissing']);
		const job = (await direct(ana, 'video.dreamreel.generate', { prompt: 'a draft to dismiss', idempotencyKey: key() })).body.job;
		const foreign = await direct(ben, 'video.dreamreel.dismissJob', { id: job.id });
		expect([foreign.status, foreign.body.error]).toEqual([404, 'JobNotFound']);
		expect((await list(ana)).body.jobs.map((view) => view.id)).toContain(job.id);
		const dismissed = await direct(ana, 'video.dreamreel.dismissJob', { id: job.id });
		expect(dismissed.status).toBe(200);
		expect(dismissed.body.job.status).toBe('cancelled');
		expect((await list(ana)).body.jobs.map((view) => view.id)).not.toContain(job.id);
	});
});

describe('notifications', () => {
	it('a job that ends tells its requester, once, and nobody else', async () => {
		const job = (await direct(ben, 'video.dreamreel.generate', { prompt: 'tell me when it is done', idempotencyKey: key() })).body.job;
		await untilReady(ben, job.id);
		const told = async (agent: AtpAgent) => {
			const headers = await serviceToken(agent, stack.serviceDid, 'video.dreamreel.listNotifications');
			const { body } = await xrpc<{ notifications: { reason: string; uri?: string; job?: { id: string } }[] }>(stack.worker.url, 'video.dreamreel.listNotifications', {}, headers);
			return body.notifications.filter((n) => n.job?.id === job.id);
		};
		await eventually(async () => expect(await told(ben)).toEqual([expect.objectContaining({ reason: 'jobFinished', job: { id: job.id, status: 'ready' } })]));
		expect((await told(ben))[0]!.uri).toBeUndefined();
		expect(await told(ana)).toEqual([]);
	});
});

describe('refusals and control', () => {
	it('a cameo without consent is refused (403 ConsentRequired, naming them); after consenting it is accepted', async () => {
		const input = { prompt: 'cyd waves hello', idempotencyKey: key(), cameos: [cyd.assertDid] };
		const refused = await direct(ana, 'video.dreamreel.generate', input);
		expect(refused.status).toBe(403);
		expect(refused.body).toMatchObject({ error: 'ConsentRequired' });
		expect(refused.body.message).toContain(cyd.assertDid);
		await cyd.com.atproto.repo.putRecord({
			repo: cyd.assertDid,
			collection: 'video.dreamreel.consent',
			rkey: 'self',
			record: { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString() },
		});
		await eventually(async () => expect((await direct(ana, 'video.dreamreel.generate', input)).status).toBe(200), 15_000);
	});

	it('cancels a running job; nobody else can see or watch it', async () => {
		const { body } = await direct(ana, 'video.dreamreel.generate', { prompt: 'a slow sunrise', idempotencyKey: key() });
		const cancelled = await direct(ana, 'video.dreamreel.cancelJob', { id: body.job.id });
		expect(cancelled.body.job).toMatchObject({ status: 'cancelled', error: 'cancelled by the requester' });
		const foreign = await getJob(ben, body.job.id);
		expect([foreign.status, foreign.body.error]).toEqual([404, 'JobNotFound']);
		const watcher = await watch(ben, body.job.id);
		expect(await watcher.opened).toBe(false);
	});
});
