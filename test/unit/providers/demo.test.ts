import { describe, expect, it } from 'vitest';
import { DEMO_MODEL, DemoProvider, ProviderError, type GenerationRequest } from '../../../worker/providers/index.ts';

const request: GenerationRequest = { prompt: 'a fox in the snow', durationSeconds: 5, aspectRatio: '9:16' };

/** A hand-driven clock: the demo's whole lifecycle is a function of it. */
function setup(totalMs = 10_000) {
	const clock = { now: 1_800_000_000_000 };
	const demo = new DemoProvider({ totalMs, now: () => clock.now });
	return { clock, demo };
}

describe('demo provider', () => {
	it('is labelled demo', () => {
		const { demo } = setup();
		expect([demo.name, demo.model]).toEqual(['demo', DEMO_MODEL]);
	});

	it('plays out queued → running with progress → succeeded over its total time', async () => {
		const { clock, demo } = setup(10_000);
		const job = await demo.create(request);
		const start = clock.now;
		const at = async (ms: number) => {
			clock.now = start + ms;
			return demo.status(job);
		};
		expect(await at(0)).toEqual({ state: 'queued', queuePosition: 2 });
		expect(await at(1_000)).toEqual({ state: 'queued', queuePosition: 1 });
		expect(await at(2_000)).toEqual({ state: 'running', progress: 0 });
		expect(await at(6_000)).toEqual({ state: 'running', progress: 50 });
		expect(await at(9_999)).toEqual({ state: 'running', progress: 99 });
		expect(await at(10_000)).toEqual({ state: 'succeeded' });
	});

	it('refuses the result before the job has succeeded', async () => {
		const { demo } = setup();
		const error = await demo.result(await demo.create(request)).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ retryable: false });
	});

	it('delivers a real MP4: the bytes start with an ftyp box', async () => {
		const { clock, demo } = setup();
		const job = await demo.create(request);
		clock.now += 10_000;
		const result = await demo.result(job);
		expect(result).toEqual({ videoUrl: expect.stringMatching(/^demo:[a-z]+\.mp4$/), mimeType: 'video/mp4' });
		const response = await demo.download(result);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		const bytes = new Uint8Array(await response.arrayBuffer());
		expect(bytes.length).toBeGreaterThan(10_000);
		expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('ftyp');
		expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
	});

	it('picks the same clip for the same prompt, and varies across prompts', async () => {
		const { clock, demo } = setup(0);
		const clipOf = async (prompt: string) => (await demo.result(await demo.create({ ...request, prompt }))).videoUrl;
		clock.now += 1;
		expect(await clipOf('a fox in the snow')).toBe(await clipOf('a fox in the snow'));
		const clips = new Set(await Promise.all(['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'].map(clipOf)));
		expect(clips.size).toBeGreaterThan(1);
	});

	it('answers for a job created by another instance (state lives in the id)', async () => {
		const { clock, demo } = setup();
		const job = await demo.create(request);
		const other = new DemoProvider({ totalMs: 10_000, now: () => clock.now + 10_000 });
		expect(await other.status(job)).toEqual({ state: 'succeeded' });
	});

	it('cancels an unfinished job, and leaves a finished one alone', async () => {
		const { clock, demo } = setup();
		const running = await demo.create(request);
		await demo.cancel(running);
		expect(await demo.status(running)).toEqual({ state: 'cancelled' });
		const done = await demo.create(request);
		clock.now += 10_000;
		await demo.cancel(done);
		expect(await demo.status(done)).toEqual({ state: 'succeeded' });
	});

	it('rejects an id it did not make', async () => {
		const { demo } = setup();
		await expect(demo.status({ id: 'req-1' })).rejects.toBeInstanceOf(ProviderError);
	});
});
