import { describe, expect, it } from 'vitest';
import {
	MalformedResponse,
	RateLimited,
	ReplicateProvider,
	type GenerationRequest,
	type ProviderJob,
	type ProviderStatus,
} from '../../../worker/providers/index.ts';
import { progressFromLogs } from '../../../worker/providers/replicate.ts';
import { REPLICATE_FAKE_FILES, REPLICATE_FAKE_URL, ReplicateFake } from '../../fixtures/fakes/replicate.ts';

const request: GenerationRequest = { prompt: 'paper boats on a canal', durationSeconds: 6, aspectRatio: '16:9' };

function setup(model = 'bytedance/seedance-2.0') {
	const fake = new ReplicateFake();
	const replicate = new ReplicateProvider({ baseUrl: REPLICATE_FAKE_URL, apiKey: fake.apiToken, model, fetch: fake.fetch });
	return { fake, replicate };
}

async function pollToEnd(replicate: ReplicateProvider, job: ProviderJob): Promise<ProviderStatus[]> {
	const seen: ProviderStatus[] = [];
	while (seen.length < 20) {
		const status = await replicate.status(job);
		seen.push(status);
		if (status.state !== 'queued' && status.state !== 'running') return seen;
	}
	throw new Error('prediction never finished');
}

describe('replicate provider', () => {
	it('runs a prediction from create to a downloaded video, with progress from the logs', async () => {
		const { fake, replicate } = setup();
		const job = await replicate.create(request);
		expect(await pollToEnd(replicate, job)).toEqual([
			{ state: 'queued' },
			{ state: 'running', progress: 33 },
			{ state: 'running', progress: 67 },
			{ state: 'succeeded' },
		]);
		const result = await replicate.result(job);
		expect(result).toEqual({
			videoUrl: `${REPLICATE_FAKE_FILES}/xezq/${job.id}/output.mp4`,
			mimeType: 'video/mp4',
			expiresAt: Date.parse('2026-11-25T13:00:00.000Z'), // outputs are deleted an hour after completion
		});
		const video = await replicate.download(result);
		expect(new TextDecoder().decode(await video.arrayBuffer())).toBe(`fake video /xezq/${job.id}/output.mp4`);
		expect(fake.requests.at(-1)?.authorization).toBeNull();
	});

	it('creates on the model with a Bearer token, the webhook and its events', async () => {
		const { fake, replicate } = setup();
		await replicate.create({ ...request, seed: 3 }, { webhookUrl: 'https://dreamreel.example/webhooks/replicate' });
		const [create] = fake.requests;
		expect(create?.url.pathname).toBe('/v1/models/bytedance/seedance-2.0/predictions');
		expect(create?.authorization).toBe(`Bearer ${fake.apiToken}`);
		expect(create?.body).toEqual({
			input: { prompt: request.prompt, duration: 6, aspect_ratio: '16:9', seed: 3 },
			webhook: 'https://dreamreel.example/webhooks/replicate',
			webhook_events_filter: ['start', 'completed'],
		});
	});

	it('sends a remix to Seedance as reference_videos', async () => {
		const { fake, replicate } = setup();
		await replicate.create({ ...request, sourceVideoUrl: 'https://cdn.example/clip.mp4' });
		expect(fake.requests[0]?.body).toMatchObject({ input: { reference_videos: ['https://cdn.example/clip.mp4'] } });
	});

	it('refuses a source video for a model without remix, before calling Replicate', async () => {
		const { fake, replicate } = setup('kwaivgi/kling-v3');
		expect(replicate.capabilities.sourceVideo).toBe(false);
		await expect(replicate.create({ ...request, sourceVideoUrl: 'https://cdn.example/clip.mp4' })).rejects.toMatchObject({ retryable: false });
		expect(fake.requests).toHaveLength(0);
	});

	it('reports a failed prediction with its error', async () => {
		const { fake, replicate } = setup();
		fake.plan = { startingPolls: 0, processingPolls: 1, fail: 'NSFW content detected' };
		const seen = await pollToEnd(replicate, await replicate.create(request));
		expect(seen.at(-1)).toEqual({ state: 'failed', error: 'NSFW content detected' });
	});

	it('surfaces 429 as RateLimited with the retry-after delay', async () => {
		const { fake, replicate } = setup();
		const job = await replicate.create(request);
		fake.rateLimitNext('2');
		const error = await replicate.status(job).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RateLimited);
		expect(error).toMatchObject({ retryAfterMs: 2000 });
	});

	it('marks 5xx retryable and 4xx not', async () => {
		const { fake, replicate } = setup();
		fake.failNext(502);
		await expect(replicate.create(request)).rejects.toMatchObject({ retryable: true, status: 502 });
		fake.failNext(422, 'Invalid aspect_ratio');
		await expect(replicate.create(request)).rejects.toMatchObject({
			retryable: false,
			status: 422,
			message: expect.stringContaining('Invalid aspect_ratio'),
		});
	});

	it('rejects a prediction outside the contract as MalformedResponse', async () => {
		const { fake, replicate } = setup();
		fake.malformNext();
		await expect(replicate.create(request)).rejects.toBeInstanceOf(MalformedResponse);
	});

	it('rejects an output that is not a file URL as MalformedResponse', async () => {
		const { fake, replicate } = setup();
		fake.plan = { startingPolls: 0, processingPolls: 0, output: { frames: 3 } };
		const job = await replicate.create(request);
		await pollToEnd(replicate, job);
		await expect(replicate.result(job)).rejects.toBeInstanceOf(MalformedResponse);
	});

	it('takes the first file when the output is a list', async () => {
		const { fake, replicate } = setup();
		const output = ['https://replicate.delivery.test/a.webm', 'https://replicate.delivery.test/b.mp4'];
		fake.plan = { startingPolls: 0, processingPolls: 0, output };
		const job = await replicate.create(request);
		await pollToEnd(replicate, job);
		expect(await replicate.result(job)).toMatchObject({ videoUrl: 'https://replicate.delivery.test/a.webm', mimeType: 'video/webm' });
	});

	it('refuses the result of an unfinished prediction', async () => {
		const { replicate } = setup();
		await expect(replicate.result(await replicate.create(request))).rejects.toMatchObject({ retryable: false });
	});

	it('cancels a prediction, which then reports cancelled', async () => {
		const { fake, replicate } = setup();
		const job = await replicate.create(request);
		await replicate.cancel(job);
		expect(fake.requests.at(-1)).toMatchObject({ method: 'POST' });
		expect(fake.requests.at(-1)?.url.pathname).toBe(`/v1/predictions/${job.id}/cancel`);
		expect(await replicate.status(job)).toEqual({ state: 'cancelled' });
	});

	it('reads progress from the last percentage in the logs, or none', () => {
		expect(progressFromLogs('loading\n 10%|█ | 1/10\n 45%|████▌ | 9/20')).toBe(45);
		expect(progressFromLogs('step 3 of 10')).toBeUndefined();
		expect(progressFromLogs(null)).toBeUndefined();
		expect(progressFromLogs('gpu at 250%')).toBeUndefined();
	});
});
