import { describe, expect, it } from 'vitest';
import {
	FalProvider,
	MalformedResponse,
	ProviderError,
	RateLimited,
	type GenerationRequest,
	type ProviderJob,
	type ProviderStatus,
} from '../../../worker/providers/index.ts';
import { FAL_FAKE_FILES, FAL_FAKE_URL, FalFake } from '../../fixtures/fakes/fal.ts';

const request: GenerationRequest = { prompt: 'a lighthouse at dusk', durationSeconds: 5, aspectRatio: '9:16' };

function setup(model = 'bytedance/seedance-2.0/text-to-video') {
	const fake = new FalFake();
	const fal = new FalProvider({ baseUrl: FAL_FAKE_URL, apiKey: fake.apiKey, model, fetch: fake.fetch });
	return { fake, fal };
}

async function pollToEnd(fal: FalProvider, job: ProviderJob): Promise<ProviderStatus[]> {
	const seen: ProviderStatus[] = [];
	while (seen.length < 20) {
		const status = await fal.status(job);
		seen.push(status);
		if (status.state !== 'queued' && status.state !== 'running') return seen;
	}
	throw new Error('job never finished');
}

describe('fal provider', () => {
	it('runs a job from submit through the queue to a downloaded video', async () => {
		const { fake, fal } = setup();
		const job = await fal.create(request);
		expect(await pollToEnd(fal, job)).toEqual([
			{ state: 'queued', queuePosition: 1 },
			{ state: 'queued', queuePosition: 0 },
			{ state: 'running' },
			{ state: 'succeeded' },
		]);
		const result = await fal.result(job);
		expect(result).toEqual({ videoUrl: `${FAL_FAKE_FILES}/files/req-1.mp4`, mimeType: 'video/mp4' });
		const video = await fal.download(result);
		expect(new TextDecoder().decode(await video.arrayBuffer())).toBe('fake video /files/req-1.mp4');
		expect(fake.requests.at(-1)?.authorization).toBeNull(); // the key never goes to a file host
	});

	it('sends the key as `Key …` and the webhook as fal_webhook', async () => {
		const { fake, fal } = setup();
		await fal.create(request, { webhookUrl: 'https://dreamreel.example/webhooks/fal?job=1' });
		const [submit] = fake.requests;
		expect(submit?.authorization).toBe(`Key ${fake.apiKey}`);
		expect(submit?.url.searchParams.get('fal_webhook')).toBe('https://dreamreel.example/webhooks/fal?job=1');
	});

	it('maps a text request onto Seedance text-to-video input', async () => {
		const { fake, fal } = setup();
		await fal.create({ ...request, durationSeconds: 30, seed: 7 });
		expect(fake.requests[0]?.url.pathname).toBe('/bytedance/seedance-2.0/text-to-video');
		expect(fake.requests[0]?.body).toEqual({ prompt: request.prompt, duration: '15', aspect_ratio: '9:16', seed: 7 });
	});

	it('sends a remix to Seedance reference-to-video with the source video', async () => {
		const { fake, fal } = setup();
		expect(fal.capabilities).toEqual({ sourceVideo: true, sourceImage: true, references: 9 });
		await fal.create({ ...request, sourceVideoUrl: 'https://cdn.example/clip.mp4' });
		expect(fake.requests[0]?.url.pathname).toBe('/bytedance/seedance-2.0/reference-to-video');
		expect(fake.requests[0]?.body).toMatchObject({ prompt: request.prompt, video_urls: ['https://cdn.example/clip.mp4'] });
	});

	it('maps Kling image-to-video onto start_image_url', async () => {
		const { fake, fal } = setup('fal-ai/kling-video/v3/pro/text-to-video');
		await fal.create({ ...request, sourceImageUrl: 'https://cdn.example/frame.jpg' });
		expect(fake.requests[0]?.url.pathname).toBe('/fal-ai/kling-video/v3/pro/image-to-video');
		expect(fake.requests[0]?.body).toEqual({ prompt: request.prompt, duration: '5', start_image_url: 'https://cdn.example/frame.jpg' });
	});

	it('refuses a source video for a model that cannot take one, before calling fal', async () => {
		const { fake, fal } = setup('fal-ai/kling-video/v3/pro/text-to-video');
		const error = await fal.create({ ...request, sourceVideoUrl: 'https://cdn.example/clip.mp4' }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ retryable: false });
		expect(fake.requests).toHaveLength(0);
	});

	it('surfaces 429 as RateLimited with the retry-after delay', async () => {
		const { fake, fal } = setup();
		fake.rateLimitNext('7');
		const error = await fal.create(request).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RateLimited);
		expect(error).toMatchObject({ retryAfterMs: 7000, retryable: true, status: 429 });
	});

	it('marks 5xx retryable', async () => {
		const { fake, fal } = setup();
		const job = await fal.create(request);
		fake.failNext(503, 'overloaded');
		await expect(fal.status(job)).rejects.toMatchObject({ name: 'ProviderError', retryable: true, status: 503 });
	});

	it('marks 4xx not retryable, with the detail', async () => {
		const { fake, fal } = setup();
		fake.failNext(422, 'prompt too long');
		const error = await fal.create(request).catch((e: unknown) => e);
		expect(error).toMatchObject({ retryable: false, status: 422 });
		expect(String(error)).toContain('prompt too long');
	});

	it('marks a network failure retryable', async () => {
		const fetch = () => Promise.reject(new TypeError('connection reset'));
		const fal = new FalProvider({ baseUrl: FAL_FAKE_URL, apiKey: 'k', model: 'bytedance/seedance-2.0/text-to-video', fetch });
		await expect(fal.create(request)).rejects.toMatchObject({ name: 'ProviderError', retryable: true });
	});

	it('rejects a response outside the contract as MalformedResponse', async () => {
		const { fake, fal } = setup();
		fake.malformNext({ status: 'IN_QUEUE' });
		const error = await fal.create(request).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(MalformedResponse);
		expect(error).toMatchObject({ retryable: false });
	});

	it('reports a failed job as failed with fal’s detail', async () => {
		const { fake, fal } = setup();
		fake.plan = { queuedPolls: 0, runningPolls: 1, fail: 'content policy violation' };
		const seen = await pollToEnd(fal, await fal.create(request));
		expect(seen.at(-1)).toEqual({ state: 'failed', error: expect.stringContaining('content policy violation') });
	});

	it('cancels a queued job with PUT to the cancel URL', async () => {
		const { fake, fal } = setup();
		const job = await fal.create(request);
		await fal.cancel(job);
		expect(fake.requests.at(-1)).toMatchObject({ method: 'PUT' });
		expect(fake.requests.at(-1)?.url.href).toBe(job.urls?.cancel);
		expect(fake.jobs.get(job.id)?.cancelled).toBe(true);
	});

	it('treats cancelling a finished job as done, and an unknown one as an error', async () => {
		const { fake, fal } = setup();
		fake.plan = { queuedPolls: 0, runningPolls: 0 };
		const job = await fal.create(request);
		await pollToEnd(fal, job);
		await expect(fal.cancel(job)).resolves.toBeUndefined();
		await expect(fal.cancel({ id: 'nope' })).rejects.toMatchObject({ retryable: false });
	});

	it('follows a job known only by its id through the app root', async () => {
		const { fake, fal } = setup();
		const { id } = await fal.create(request);
		expect(await fal.status({ id })).toEqual({ state: 'queued', queuePosition: 1 });
		expect(fake.requests.at(-1)?.url.href).toBe(`${FAL_FAKE_URL}/bytedance/seedance-2.0/requests/${id}/status`);
	});

	it('does not follow returned URLs to another origin', async () => {
		const { fake, fal } = setup();
		const evil = 'https://evil.example/r';
		fake.malformNext({ request_id: 'req-1', response_url: evil, status_url: `${evil}/status`, cancel_url: `${evil}/cancel` });
		expect(await fal.create(request)).toEqual({ id: 'req-1' });
	});
});
