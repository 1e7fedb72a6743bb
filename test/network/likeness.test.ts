// Likenesses end to end against the reference PDS: a person's reference image kept privately by the
// real worker (wrangler dev), committed to by their consent record, handed to a provider (a local fal
// queue that fetches its references as fal does, and the demo provider) only through URLs that die
// with the job; prompts that name people; revocation while a job runs.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCid, setCid } from '../../worker/likeness/cid.ts';
import { likenessMarkOf } from '../../worker/providers/likeness-mark.ts';
import { fetchReference, startFakeFal, type FakeFal } from './fake-fal-server.ts';
import { createAccount, eventually, postClip, serviceToken, startStack, xrpc, type Stack } from './harness.ts';

type Job = { id: string; status: string; cameos?: string[]; error?: string; result?: { url: string } };
type Reply<T = Record<string, unknown>> = { status: number; body: T & { error?: string; message?: string } };
type LikenessState = { likeness?: { cid: string; committed: boolean; images: { cid: string; mimeType: string; size: number }[] }; jobs: { id: string; requester: string }[] };

let stack: Stack;
let fal: FakeFal;
let ana: AtpAgent; // generates
let bob: AtpAgent; // consents, with his likeness
let cyd: AtpAgent; // keeps a likeness, consents to nothing
let dan: AtpAgent; // named in prompts
let eve: AtpAgent; // deletes her likeness mid-job
const poster = new Uint8Array(await readFile(join(import.meta.dirname, '../fixtures/poster.jpg')));
// Three frames, as the web client captures them (straight, left, right): each its own bytes.
const photos = [withNoise(poster), withNoise(poster), withNoise(poster)];
const photoCids = await Promise.all(photos.map((photo) => rawCid(photo)));
const setOfPhotos = await setCid(photoCids);
let keys = 0;
const key = () => `likeness-${Date.now()}-${++keys}`;

/** A call with a service JWT the caller's PDS minted for exactly this method. */
async function call<T = Record<string, unknown>>(agent: AtpAgent | undefined, nsid: string, init: { body?: BodyInit; type?: string; query?: boolean } = {}): Promise<Reply<T>> {
	const headers: Record<string, string> = agent ? await serviceToken(agent, stack.serviceDid, nsid) : {};
	if (init.type) headers['content-type'] = init.type;
	const response = await fetch(`${stack.worker.url}/xrpc/${nsid}`, { method: init.query ? 'GET' : 'POST', headers, body: init.body });
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : {}) as Reply<T>['body'] };
}

/** A multipart body of `image` parts, as the web client sends. */
function form(images: Uint8Array<ArrayBuffer>[], type = 'image/jpeg'): FormData {
	const body = new FormData();
	for (const image of images) body.append('image', new Blob([image], { type }));
	return body;
}
const putLikeness = (agent: AtpAgent | undefined, body: BodyInit = form(photos)) =>
	call<{ likeness: NonNullable<LikenessState['likeness']> }>(agent, 'video.dreamreel.putLikeness', { body });
const exportLikeness = async (agent: AtpAgent | undefined, index: number) =>
	fetch(`${stack.worker.url}/xrpc/video.dreamreel.exportLikeness?index=${index}`, {
		headers: agent ? await serviceToken(agent, stack.serviceDid, 'video.dreamreel.exportLikeness') : {},
	});
const getLikeness = (agent: AtpAgent) => call<LikenessState>(agent, 'video.dreamreel.getLikeness', { query: true });
const generate = (input: Record<string, unknown>) =>
	call<{ job: Job }>(ana, 'video.dreamreel.generate', { body: JSON.stringify({ idempotencyKey: key(), ...input }), type: 'application/json' });

async function getJob(id: string): Promise<Job> {
	const headers = await serviceToken(ana, stack.serviceDid, 'video.dreamreel.getJob');
	return (await xrpc<{ job: Job }>(stack.worker.url, 'video.dreamreel.getJob', { id }, headers)).body.job;
}

const until = (id: string, status: string) =>
	eventually(async () => {
		const job = await getJob(id);
		expect(job.status).toBe(status);
		return job;
	}, 30_000);

async function consent(agent: AtpAgent, fields: Record<string, unknown> = {}) {
	await agent.com.atproto.repo.putRecord({
		repo: agent.assertDid,
		collection: 'video.dreamreel.consent',
		rkey: 'self',
		record: { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString(), ...fields },
	});
}

/** Stores the photos and consents with a commitment to the set, then waits until the index has the commitment. */
async function consentWithLikeness(agent: AtpAgent, images = photos): Promise<string> {
	const { body } = await putLikeness(agent, form(images));
	await consent(agent, { likeness: { cid: body.likeness.cid, createdAt: new Date().toISOString() } });
	await eventually(async () => expect((await getLikeness(agent)).body.likeness?.committed).toBe(true), 15_000);
	return body.likeness.cid;
}

/** The JPEG with 4 KB of random bytes in a comment segment (still a valid JPEG): a needle nothing else contains. */
function withNoise(jpeg: Uint8Array): Uint8Array<ArrayBuffer> {
	const noise = crypto.getRandomValues(new Uint8Array(4096));
	const segment = new Uint8Array([0xff, 0xfe, (noise.byteLength + 2) >> 8, (noise.byteLength + 2) & 0xff, ...noise]);
	return new Uint8Array([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

async function filesUnder(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { withFileTypes: true, recursive: true });
	return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

beforeAll(async () => {
	fal = await startFakeFal(9391);
	stack = await startStack(
		{ pds: 4471, plc: 4470, worker: 8831 },
		{
			DEMO_GENERATION_MS: '6000',
			GENERATION_PROVIDER: 'demo',
			JOB_MAX_ACTIVE: '10',
			FAL_KEY: fal.key,
			FAL_QUEUE_URL: fal.url,
			// A Replicate model that takes no reference images; never called.
			REPLICATE_API_TOKEN: 'r8_network_test',
			REPLICATE_MODEL: 'kwaivgi/kling-v2.1',
			REPLICATE_API_URL: 'http://localhost:9392',
		},
	);
	[ana, bob, cyd, dan, eve] = (await Promise.all(['ana', 'bob', 'cyd', 'dan', 'eve'].map((name) => createAccount(stack.network.pdsUrl, name)))) as [
		AtpAgent, AtpAgent, AtpAgent, AtpAgent, AtpAgent,
	];
});
afterAll(async () => {
	await stack?.close();
	await fal?.close();
});

describe('a likeness is private', () => {
	it('refuses an unsigned upload, a part that is not the image it claims, one over 2 MB, and a set of none or over 4', async () => {
		expect((await putLikeness(undefined)).status).toBe(401);
		const refusals: [BodyInit, number, string][] = [
			[form([photos[0]!, new TextEncoder().encode('<html>not a photo</html>')]), 400, 'InvalidRequest'],
			[form(photos, 'image/png'), 400, 'InvalidRequest'],
			[form(photos, 'text/plain'), 400, 'InvalidRequest'],
			[form([]), 400, 'InvalidRequest'],
			[form([...photos, ...photos]), 400, 'InvalidRequest'],
			[new Blob([photos[0]!], { type: 'image/jpeg' }), 400, 'InvalidRequest'],
		];
		const notAnImage = new FormData();
		notAnImage.append('image', 'a string, not a file');
		refusals.push([notAnImage, 400, 'InvalidRequest']);
		const huge = new Uint8Array(2_000_001);
		huge.set(photos[0]!);
		refusals.push([form([photos[0]!, huge]), 413, 'LikenessTooLarge']);
		for (const [body, status, error] of refusals) {
			const reply = await putLikeness(bob, body);
			expect([reply.status, reply.body.error], reply.body.message).toEqual([status, error]);
		}
		expect((await getLikeness(bob)).body.likeness).toBeUndefined();
	});

	it('is kept encrypted, read back only by its owner, and served at no public URL', async () => {
		const stored = await putLikeness(bob);
		expect(stored.status).toBe(200);
		expect(stored.body.likeness).toMatchObject({ cid: setOfPhotos, committed: false });
		expect(stored.body.likeness.images).toEqual(photos.map((photo, n) => ({ $type: 'video.dreamreel.getLikeness#likenessImage', cid: photoCids[n], mimeType: 'image/jpeg', size: photo.byteLength })));

		for (const [n, photo] of photos.entries()) {
			const exported = await exportLikeness(bob, n);
			expect(exported.headers.get('content-type')).toBe('image/jpeg');
			expect(new Uint8Array(await exported.arrayBuffer())).toEqual(photo);
		}
		expect((await exportLikeness(bob, 3)).status).toBe(404);
		const foreign = await exportLikeness(ana, 0);
		expect([foreign.status, ((await foreign.json()) as { error: string }).error]).toEqual([404, 'LikenessNotFound']);
		expect((await exportLikeness(undefined, 0)).status).toBe(401);

		// No route reaches it without a URL signed for a running job.
		const cid = stored.body.likeness.cid;
		const bobPath = encodeURIComponent(bob.assertDid);
		const exp = Math.floor(Date.now() / 1000) + 600;
		const paths = [`/video/${cid}`, `/likeness/${'0'.repeat(32)}/${bobPath}/0`, `/likeness/${'0'.repeat(32)}/${bobPath}/1?exp=${exp}&sig=${'ab'.repeat(32)}`, `/likeness/${bobPath}`];
		for (const path of paths) {
			expect((await fetch(`${stack.worker.url}${path}`)).status, path).toBe(404);
		}
		// On disk, where wrangler keeps the worker's R2 and D1, no photo's bytes appear.
		const needles = photos.map((photo) => Buffer.from(photo.subarray(100, 164)));
		const files = await filesUnder(stack.stateDir!);
		expect(files.some((file) => file.includes('likeness'))).toBe(true);
		for (const file of files) {
			const contents = await readFile(file);
			for (const needle of needles) expect(contents.includes(needle), file).toBe(false);
		}
	});

	it('the consent record commits to the whole set: one CID over the images’ CIDs, checked against the stored bytes', async () => {
		const cid = await consentWithLikeness(bob);
		expect(cid).toBe(setOfPhotos);
		const { data } = await bob.com.atproto.repo.getRecord({ repo: bob.assertDid, collection: 'video.dreamreel.consent', rkey: 'self' });
		expect((data.value as { likeness: { cid: string } }).likeness.cid).toBe(cid);
	});
});

describe('generation features the person with their likeness', () => {
	it('hands every image to the provider through URLs that work during the job and fail after it', async () => {
		const cid = await consentWithLikeness(bob);
		const { status, body } = await generate({ prompt: 'bob juggles oranges', cameos: [bob.assertDid], provider: 'fal' });
		expect(status).toBe(200);
		await until(body.job.id, 'ready');
		const submit = fal.submits.at(-1)!;
		expect(submit.modelId).toBe('bytedance/seedance-2.0/reference-to-video');
		const urls = submit.input.image_urls as string[];
		expect(urls).toHaveLength(photos.length);
		expect(urls.map((url) => fal.fetched.find((fetched) => fetched.url === url))).toEqual(urls.map((url, n) => ({ url, status: 200, cid: photoCids[n] })));
		expect(cid).toBe(setOfPhotos);
		// The job has ended: the same URLs, still within their expiry time, serve nothing.
		for (const url of urls) expect((await fetchReference(url)).status, url).toBe(404);
	});

	it('the demo provider shows whom it was given: its clip carries the CID of every image', async () => {
		await consentWithLikeness(bob);
		const { body } = await generate({ prompt: 'bob on a unicycle', cameos: [bob.assertDid] });
		const job = await until(body.job.id, 'ready');
		const video = new Uint8Array(await (await fetch(job.result!.url)).arrayBuffer());
		expect(likenessMarkOf(video)).toEqual(photoCids);
	});

	it('refuses a provider that cannot take references (400 ProviderCannotFeature), never leaving the person out', async () => {
		await consentWithLikeness(bob);
		const refused = await generate({ prompt: 'bob sings', cameos: [bob.assertDid], provider: 'replicate' });
		expect([refused.status, refused.body.error]).toEqual([400, 'ProviderCannotFeature']);
		expect(refused.body.message).toContain('bob.test');
	});

	it('never fetches the reference of someone who has not consented: the job is refused before any provider call', async () => {
		expect((await putLikeness(cyd)).status).toBe(200);
		const before = fal.submits.length;
		const refused = await generate({ prompt: 'cyd dances', cameos: [cyd.assertDid], provider: 'fal' });
		expect([refused.status, refused.body.error]).toEqual([403, 'ConsentRequired']);
		expect(fal.submits.length).toBe(before);
		expect(fal.fetched.some((fetched) => fetched.url.includes(encodeURIComponent(cyd.assertDid)))).toBe(false);
	});

	it('counts every image of everyone featured against what the provider takes: 12 photos are more than Seedance’s 9', async () => {
		const four = [...photos, withNoise(poster)];
		for (const agent of [ana, bob, eve]) await consentWithLikeness(agent, four);
		const before = fal.submits.length;
		const refused = await generate({ prompt: 'three friends on a bench', cameos: [ana.assertDid, bob.assertDid, eve.assertDid], provider: 'fal' });
		expect([refused.status, refused.body.error]).toEqual([400, 'ProviderCannotFeature']);
		expect(refused.body.message).toContain('at most 9 reference images');
		expect(fal.submits.length).toBe(before);
		await ana.com.atproto.repo.deleteRecord({ repo: ana.assertDid, collection: 'video.dreamreel.consent', rkey: 'self' });
		await eventually(async () => expect((await getLikeness(ana)).body.likeness).toBeUndefined());
	});
});

describe('people named in the prompt are featured', () => {
	it('refuses @dan.test, his DID and his exact display name until he consents; the job then lists him as a cameo', async () => {
		await dan.com.atproto.repo.putRecord({ repo: dan.assertDid, collection: 'app.bsky.actor.profile', rkey: 'self', record: { displayName: 'Dan Rivers' } });
		await postClip(dan); // brings him into the index, with his profile
		await eventually(async () => {
			const { body } = await xrpc<{ actors: { did: string; displayName?: string }[] }>(stack.worker.url, 'video.dreamreel.searchActors', { q: 'dan' });
			expect(body.actors).toContainEqual(expect.objectContaining({ did: dan.assertDid, displayName: 'Dan Rivers' }));
		}, 15_000);
		for (const prompt of ['@dan.test rides a bike', `${dan.assertDid} rides a bike`, 'a bike ridden by Dan Rivers, at dawn']) {
			const refused = await generate({ prompt });
			expect([refused.status, refused.body.error], prompt).toEqual([403, 'ConsentRequired']);
			expect(refused.body.message).toContain(dan.assertDid);
		}
		// Not his name: a different case, or one word of it.
		expect((await generate({ prompt: 'dan rivers of light' })).status).toBe(200);
		expect((await generate({ prompt: 'Rivers flow' })).status).toBe(200);

		await consent(dan);
		const accepted = await eventually(async () => {
			const reply = await generate({ prompt: '@dan.test rides a bike' });
			expect(reply.status).toBe(200);
			return reply.body.job;
		}, 15_000);
		expect(accepted.cameos).toEqual([dan.assertDid]);
	});
});

describe('the subject stays in control', () => {
	it('deleting the consent mid-job fails the job, and every stored image is deleted', async () => {
		await consentWithLikeness(bob);
		const { body } = await generate({ prompt: 'bob rows a boat', cameos: [bob.assertDid] });
		await until(body.job.id, 'rendering');
		// Bob sees the job using his likeness while it runs, on his likeness and among the clips featuring him.
		const inFlight = expect.objectContaining({ id: body.job.id, requester: ana.assertDid, status: 'rendering' });
		expect((await getLikeness(bob)).body.jobs).toContainEqual(inFlight);
		const cameoClips = await xrpc<{ jobs?: unknown[] }>(stack.worker.url, 'video.dreamreel.getCameoClips', {}, await serviceToken(bob, stack.serviceDid, 'video.dreamreel.getCameoClips'));
		expect(cameoClips.body.jobs).toContainEqual(inFlight);

		await bob.com.atproto.repo.deleteRecord({ repo: bob.assertDid, collection: 'video.dreamreel.consent', rkey: 'self' });
		const failed = await until(body.job.id, 'failed');
		expect(failed.error).toMatch(/^stopped while running: ConsentRequired/);
		await eventually(async () => expect((await getLikeness(bob)).body.likeness).toBeUndefined());
		for (const n of photos.keys()) expect((await exportLikeness(bob, n)).status).toBe(404);
		expect((await getLikeness(bob)).body.jobs).toEqual([]);
	});

	it('deleting the likeness mid-job fails the job at once', async () => {
		await consentWithLikeness(eve);
		const { body } = await generate({ prompt: 'eve paints a wall', cameos: [eve.assertDid] });
		await until(body.job.id, 'rendering');
		const deleted = await call<{ stoppedJobs: number }>(eve, 'video.dreamreel.deleteLikeness');
		expect([deleted.status, deleted.body.stoppedJobs]).toEqual([200, 1]);
		for (const n of photos.keys()) expect((await exportLikeness(eve, n)).status).toBe(404);
		const job = await getJob(body.job.id);
		expect(job.status).toBe('failed');
		expect(job.error).toMatch(/^stopped while running: LikenessUnavailable/);
		// Her consent still commits to the deleted reference: new jobs featuring her are refused.
		const refused = await generate({ prompt: 'eve again', cameos: [eve.assertDid] });
		expect([refused.status, refused.body.error]).toEqual([409, 'LikenessUnavailable']);
	});
});
