import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GenerationJob } from '../../../durable-objects/GenerationJob.ts';
import { overrideJobRuntime } from '../../../worker/jobs/runtime.ts';
import { FalFake } from '../../fixtures/fakes/fal.ts';
import { ReplicateFake } from '../../fixtures/fakes/replicate.ts';
import { clock, expectValidView, falProviders, isStatus, newDid, replicateProviders, submit, until, useRuntime } from './fixtures.ts';

afterEach(() => overrideJobRuntime(undefined));

/** Milliseconds until the job's next alarm, once the step under way has finished. */
async function alarmIn(stub: DurableObjectStub<GenerationJob>): Promise<number> {
	const at = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
	return (at ?? 0) - Date.now();
}

/**
 * Holds the first request matching `test` until released: a step caught in the middle. It waits on
 * timers of its own rather than a promise of the test's, which the object must not await across
 * contexts (and which would outlive an aborted object).
 */
function gate(fake: { fetch: typeof fetch }, test: (request: Request) => boolean) {
	const state = { armed: true, reached: false, released: false };
	const fetch: typeof globalThis.fetch = async (input, init) => {
		const request = new Request(input, init);
		if (state.armed && test(request)) {
			state.armed = false;
			state.reached = true;
			while (!state.released) await new Promise((resolve) => setTimeout(resolve, 5));
		}
		return fake.fetch(request);
	};
	return { fetch, state, release: () => void (state.released = true) };
}

const submits = (fake: FalFake) => fake.requests.filter((r) => r.method === 'POST').length;

describe('jobs over the fal queue', () => {
	it('follow the queue to ready and copy the output into R2 at once', async () => {
		const fake = new FalFake();
		const runtime = useRuntime(falProviders(fake));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'fal' });
		expect(job).toMatchObject({ provider: 'fal', model: 'bytedance/seedance-2.0/text-to-video' });
		const ready = await until(runtime.job(job.id), did, isStatus('ready'));
		expectValidView(ready);
		const key = `jobs/${job.id}/${ready.result!.url.split('/').pop()}`;
		expect(await (await env.VIDEOS.get(key))?.text()).toBe('fake video /files/req-1.mp4');
		// Not an MP4 the probe can read: the result says only what is known.
		expect(ready.result).toMatchObject({ mimeType: 'video/mp4', size: 27 });
		expect(ready.result?.durationMs).toBeUndefined();
		expect(submits(fake)).toBe(1);
	});

	it('wait as long as a 429 says, then submit once', async () => {
		const fake = new FalFake();
		fake.rateLimitNext('30');
		const runtime = useRuntime(falProviders(fake));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'fal' });
		const stub = runtime.job(job.id);
		await vi.waitFor(async () => expect(await alarmIn(stub)).toBeGreaterThan(25_000));
		expect(await stub.view(did)).toMatchObject({ status: 'consent_checked' });
		const ready = await until(stub, did, isStatus('ready'));
		expect(ready.status).toBe('ready');
		expect(fake.jobs.size).toBe(1);
	});

	it('retry a retryable provider error with backoff', async () => {
		const fake = new FalFake();
		fake.failNext(503, 'overloaded');
		const runtime = useRuntime(falProviders(fake));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'fal' });
		const stub = runtime.job(job.id);
		await vi.waitFor(async () => expect(await alarmIn(stub)).toBeGreaterThan(500));
		expect(await alarmIn(stub)).toBeLessThan(2_000);
		expect(await until(stub, did, isStatus('ready'))).toMatchObject({ status: 'ready' });
	});

	it('give up after repeated retryable errors, cancelling at the provider', async () => {
		const fake = new FalFake();
		const runtime = useRuntime(falProviders(fake));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'fal' });
		const stub = runtime.job(job.id);
		await until(stub, did, isStatus('submitted', 'rendering'));
		for (let i = 0; i < 6; i++) fake.failNext(502, 'bad gateway');
		const failed = await until(stub, did, isStatus('failed'));
		expect(failed.error).toMatch(/^gave up after 6 tries: fal: HTTP 502: bad gateway$/);
		await until(stub, did, () => fake.requests.some((r) => r.method === 'PUT' && r.url.pathname.endsWith('/cancel')));
	});

	it('fail at once on a non-retryable error, with the provider’s reason', async () => {
		const fake = new FalFake();
		fake.failNext(422, 'prompt too long for this model');
		const runtime = useRuntime(falProviders(fake));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'fal' });
		const failed = await until(runtime.job(job.id), did, isStatus('failed'));
		expect(failed.error).toBe('fal: HTTP 422: prompt too long for this model');
		expect(await runtime.quota(did).usage(clock.now)).toMatchObject({ active: 0 });
	});

	it('fail when the provider fails the generation', async () => {
		const fake = new FalFake();
		fake.plan = { queuedPolls: 0, runningPolls: 1, fail: 'content policy violation' };
		const runtime = useRuntime(falProviders(fake));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'fal' });
		const failed = await until(runtime.job(job.id), did, isStatus('failed'));
		expect(failed.error).toContain('content policy violation');
	});

	it('cancel at the provider when the job is cancelled or times out', async () => {
		const fake = new FalFake();
		fake.plan = { queuedPolls: 1000, runningPolls: 0 };
		const runtime = useRuntime(falProviders(fake), { timeoutMs: 30_000 });
		const [a, b] = [newDid(), newDid()];
		const cancelled = await submit(runtime, a, { provider: 'fal' });
		await until(runtime.job(cancelled.id), a, isStatus('submitted'));
		await runtime.job(cancelled.id).cancel(a);
		await runDurableObjectAlarm(runtime.job(cancelled.id));
		const timedOut = await submit(runtime, b, { provider: 'fal' });
		expect(await until(runtime.job(timedOut.id), b, isStatus('failed'), 5_000)).toMatchObject({ error: 'timed out: not finished within 30 s' });
		await runDurableObjectAlarm(runtime.job(timedOut.id));
		const cancels = fake.requests.filter((r) => r.method === 'PUT').map((r) => r.url.pathname.split('/').at(-2));
		expect(cancels.sort()).toEqual(['req-1', 'req-2']);
	});

	it('resume a step cut short by a crash, replaying it without submitting twice', async () => {
		const fake = new FalFake();
		// Held: the first status poll, right after the submission was written.
		const held = gate(fake, (request) => request.method === 'GET' && request.url.endsWith('/status'));
		const runtime = useRuntime(falProviders(fake, { fetch: held.fetch }));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'fal' });
		await vi.waitFor(() => expect(held.state.reached).toBe(true));
		expect(await runtime.job(job.id).view(did)).toMatchObject({ status: 'submitted' });
		await abortAllDurableObjects(); // the process dies mid-step
		held.release();
		const ready = await until(runtime.job(job.id), did, isStatus('ready'));
		expect(ready.progress).toBe(100);
		expect(submits(fake)).toBe(1);
	});
});

describe('jobs over Replicate', () => {
	it('report the model’s own progress while rendering', async () => {
		const fake = new ReplicateFake();
		fake.plan = { startingPolls: 1, processingPolls: 4 };
		const runtime = useRuntime(replicateProviders(fake));
		const did = newDid();
		const job = await submit(runtime, did, { provider: 'replicate' });
		const stub = runtime.job(job.id);
		const progress: number[] = [];
		await until(stub, did, (view) => {
			if (view.status === 'rendering') progress.push(view.progress);
			return view.status === 'ready';
		});
		expect(progress.length).toBeGreaterThan(1);
		expect(progress.every((p) => p > 10 && p < 90)).toBe(true);
		expect(progress).toEqual([...progress].sort((x, y) => x - y));
	});
});
