import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationJob } from '../../../durable-objects/GenerationJob.ts';
import { overrideJobRuntime, type JobRuntime } from '../../../worker/jobs/runtime.ts';
import { errorResponse } from '../../../worker/errors.ts';
import { providerWebhook } from '../../../worker/jobs/webhook-route.ts';
import { providersFromConfig, signCallback } from '../../../worker/providers/index.ts';
import { FAL_FAKE_JWKS_URL, FAL_FAKE_URL, FalFake, newEd25519Keys } from '../../fixtures/fakes/fal.ts';
import { REPLICATE_FAKE_URL, ReplicateFake } from '../../fixtures/fakes/replicate.ts';
import { clock, isStatus, newDid, submit, until, useRuntime } from './fixtures.ts';

afterEach(() => overrideJobRuntime(undefined));

const PUBLIC = 'https://dreamreel.example';
const seconds = () => Math.floor(clock.now / 1000);

/** Milliseconds from the test clock's point of view until the job object's next alarm (real time). */
const alarmIn = async (stub: DurableObjectStub<GenerationJob>) =>
	((await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())) ?? Infinity) - Date.now();

function falRuntime(fake: FalFake, publicUrl = PUBLIC): JobRuntime {
	const providers = providersFromConfig(
		{
			FAL_KEY: fake.apiKey,
			FAL_QUEUE_URL: FAL_FAKE_URL,
			FAL_JWKS_URL: FAL_FAKE_JWKS_URL,
		},
		{ fetch: fake.fetch, now: () => clock.now },
	);
	const runtime = useRuntime(providers);
	overrideJobRuntime(() => ({ ...runtime, publicUrl }));
	return { ...runtime, publicUrl };
}

/** A job submitted to fal and waiting in its queue, with its next poll scheduled seconds away. */
async function waitingFalJob(fake: FalFake, publicUrl?: string) {
	fake.plan = { queuedPolls: 50, runningPolls: 1 };
	const runtime = falRuntime(fake, publicUrl);
	const requester = newDid();
	const job = await submit(runtime, requester);
	const stub = runtime.job(job.id);
	await until(stub, requester, isStatus('submitted'), 0);
	// Minutes into the queue, polls are 5 s apart.
	clock.now += 200_000;
	await runDurableObjectAlarm(stub);
	return { runtime, stub, id: job.id, requester };
}

/** The query of the webhook URL we give `provider` for job `id`. */
const signed = async (runtime: JobRuntime, provider: string, id: string) => `job=${id}&sig=${await signCallback(runtime.providers.callbackKey, provider, id)}`;

/** The route as the worker serves it: what it throws is answered by the one error path. */
const post = (runtime: JobRuntime, provider: string, query: string, headers: Headers, body: string) => {
	const request = new Request(`${PUBLIC}/webhooks/${provider}?${query}`, { method: 'POST', headers, body });
	return providerWebhook(request, runtime, provider).catch((error: unknown) => errorResponse(error, request));
};

describe('provider webhooks', () => {
	it('fal is given our webhook URL on an https deployment, and its signed webhook makes the job poll at once', async () => {
		const fake = new FalFake();
		const { runtime, stub, id } = await waitingFalJob(fake);
		const submitted = fake.requests.find((request) => request.method === 'POST')!;
		expect(submitted.url.searchParams.get('fal_webhook')).toBe(`${PUBLIC}/webhooks/fal?${await signed(runtime, 'fal', id)}`);
		expect(await alarmIn(stub)).toBeGreaterThan(3000);

		const body = JSON.stringify({
			request_id: 'req-1',
			status: 'OK',
			payload: {},
		});
		const response = await post(
			runtime,
			'fal',
			await signed(runtime, 'fal', id),
			await fake.signWebhook(body, {
				requestId: 'req-1',
				timestamp: seconds(),
			}),
			body,
		);
		expect(response.status).toBe(204);
		expect(await alarmIn(stub)).toBeLessThan(1000);
	});

	it('refuses forged, stale and misdirected fal webhooks without touching the job', async () => {
		const fake = new FalFake();
		const { runtime, stub, id } = await waitingFalJob(fake);
		const body = JSON.stringify({
			request_id: 'req-1',
			status: 'OK',
			payload: {},
		});
		const forged = await fake.signWebhook(body, {
			requestId: 'req-1',
			timestamp: seconds(),
			keys: await newEd25519Keys(),
		});
		const stale = await fake.signWebhook(body, {
			requestId: 'req-1',
			timestamp: seconds() - 3600,
		});
		for (const headers of [forged, stale, new Headers()]) {
			const response = await post(runtime, 'fal', await signed(runtime, 'fal', id), headers, body);
			expect(response.status).toBe(401);
			expect(await response.json()).toMatchObject({
				error: 'InvalidSignature',
			});
		}
		// Genuine, but for another fal request than the one this job waits on: no poll (fal has no such request to cancel).
		const other = await fake.signWebhook(body, {
			requestId: 'req-999',
			timestamp: seconds(),
		});
		expect((await post(runtime, 'fal', await signed(runtime, 'fal', id), other, body)).status).toBe(204);
		expect(await alarmIn(stub)).toBeGreaterThan(3000);
		expect((await post(runtime, 'fal', 'job=not-a-job', other, body)).status).toBe(400);
	});

	it('cancels a provider job the job started but does not follow (a submit replayed after a crash)', async () => {
		const fake = new FalFake();
		fake.plan = { queuedPolls: 50, runningPolls: 1 };
		const runtime = falRuntime(fake);
		// The first submit's answer was lost: fal runs req-1, the job only knows the replay's req-2.
		await runtime.providers.byName.fal!.create({ prompt: 'a lighthouse made of glass at dusk', durationSeconds: 5, aspectRatio: '9:16' });
		const requester = newDid();
		const job = await submit(runtime, requester);
		await until(runtime.job(job.id), requester, isStatus('submitted'), 0);
		expect((await runtime.job(job.id).view(requester))?.status).toBe('submitted');

		const body = JSON.stringify({ request_id: 'req-1', status: 'OK', payload: {} });
		const headers = await fake.signWebhook(body, { requestId: 'req-1', timestamp: seconds() });
		expect((await post(runtime, 'fal', await signed(runtime, 'fal', job.id), headers, body)).status).toBe(204);
		expect(fake.jobs.get('req-1')?.cancelled).toBe(true);
		expect(fake.jobs.get('req-2')?.cancelled).toBe(false);
	});

	it('refuses a genuine fal webhook sent to a URL we did not give out for that job', async () => {
		const fake = new FalFake();
		const { runtime, stub, id } = await waitingFalJob(fake);
		const body = JSON.stringify({ request_id: 'req-1', status: 'OK', payload: {} });
		const headers = await fake.signWebhook(body, { requestId: 'req-1', timestamp: seconds() });
		const otherJob = (await signed(runtime, 'fal', 'b'.repeat(64))).replace(/^job=[^&]+/, `job=${id}`);
		for (const query of [`job=${id}`, `job=${id}&sig=${'0'.repeat(64)}`, otherJob, (await signed(runtime, 'replicate', id))]) {
			const response = await post(runtime, 'fal', query, headers, body);
			expect(response.status).toBe(401);
		}
		expect(await alarmIn(stub)).toBeGreaterThan(3000);
	});

	it('refuses a webhook fal signed for another fal account when ours is pinned (FAL_USER_ID)', async () => {
		const fake = new FalFake();
		const providers = providersFromConfig(
			{ FAL_KEY: fake.apiKey, FAL_QUEUE_URL: FAL_FAKE_URL, FAL_JWKS_URL: FAL_FAKE_JWKS_URL, FAL_USER_ID: 'our-account' },
			{ fetch: fake.fetch, now: () => clock.now },
		);
		const runtime = { ...useRuntime(providers), publicUrl: PUBLIC };
		const body = JSON.stringify({ request_id: 'req-1', status: 'OK', payload: {} });
		const id = 'c'.repeat(32);
		const foreign = await fake.signWebhook(body, { requestId: 'req-1', timestamp: seconds(), userId: 'someone-else' });
		expect((await post(runtime, 'fal', await signed(runtime, 'fal', id), foreign, body)).status).toBe(401);
		const ours = await fake.signWebhook(body, { requestId: 'req-1', timestamp: seconds(), userId: 'our-account' });
		expect((await post(runtime, 'fal', await signed(runtime, 'fal', id), ours, body)).status).toBe(204);
	});

	it('acts on each delivery once: a replay within the window does not cancel again', async () => {
		const fake = new FalFake();
		fake.plan = { queuedPolls: 50, runningPolls: 1 };
		const runtime = falRuntime(fake);
		await runtime.providers.byName.fal!.create({ prompt: 'a lighthouse made of glass at dusk', durationSeconds: 5, aspectRatio: '9:16' });
		const requester = newDid();
		const job = await submit(runtime, requester);
		await until(runtime.job(job.id), requester, isStatus('submitted'), 0);
		const body = JSON.stringify({ request_id: 'req-1', status: 'OK', payload: {} });
		const headers = await fake.signWebhook(body, { requestId: 'req-1', timestamp: seconds() });
		const cancels = () => fake.requests.filter((request) => request.method === 'PUT' && request.url.pathname.endsWith('/cancel')).length;
		expect((await post(runtime, 'fal', await signed(runtime, 'fal', job.id), headers, body)).status).toBe(204);
		expect(cancels()).toBe(1);
		expect((await post(runtime, 'fal', await signed(runtime, 'fal', job.id), headers, body)).status).toBe(204);
		expect(cancels()).toBe(1);
	});

	it('gives providers no webhook URL where they could not reach us (plain http)', async () => {
		const fake = new FalFake();
		await waitingFalJob(fake, 'http://localhost:8787');
		expect(fake.requests.find((request) => request.method === 'POST')!.url.searchParams.has('fal_webhook')).toBe(false);
	});

	it('takes Replicate webhooks only with its signing secret configured', async () => {
		const fake = new ReplicateFake();
		const vars = {
			REPLICATE_API_TOKEN: fake.apiToken,
			REPLICATE_API_URL: REPLICATE_FAKE_URL,
		};
		const body = JSON.stringify({ id: 'pred1', status: 'succeeded' });
		const headers = await fake.signWebhook(body, { timestamp: seconds() });
		const without = {
			...useRuntime(providersFromConfig(vars, { fetch: fake.fetch })),
			now: () => clock.now,
		};
		expect((await post(without, 'replicate', await signed(without, 'replicate', '0'.repeat(32)), headers, body)).status).toBe(404);

		const withSecret = {
			...useRuntime(providersFromConfig({ ...vars, REPLICATE_WEBHOOK_SECRET: fake.webhookSecret }, { fetch: fake.fetch })),
			now: () => clock.now,
		};
		expect((await post(withSecret, 'replicate', await signed(withSecret, 'replicate', '0'.repeat(32)), headers, body)).status).toBe(204);
		const tampered = await post(withSecret, 'replicate', await signed(withSecret, 'replicate', '0'.repeat(32)), headers, body.replace('succeeded', 'failed'));
		expect(tampered.status).toBe(401);
	});

	it('is routed by the worker: unknown providers are 404', async () => {
		const response = await exports.default.fetch('http://localhost:8787/webhooks/demo?job=x', { method: 'POST', body: '{}' });
		expect(response.status).toBe(404);
		expect(await response.json()).toMatchObject({ error: 'NotFound' });
	});
});
