import { describe, expect, it } from 'vitest';
import type { Job } from '../../../worker/jobs/job.ts';
import { jobIdFor } from '../../../worker/jobs/job.ts';
import { advance, renderProgress } from '../../../worker/jobs/machine.ts';
import { derivedPrompt, planFor } from '../../../worker/jobs/plan.ts';
import { backoffMs } from '../../../worker/backoff.ts';
import { JobError, MAX_ATTEMPTS, STEP_BACKOFF, verdictFor } from '../../../worker/jobs/retry.ts';
import { ProviderError, RateLimited } from '../../../worker/providers/index.ts';

const job: Job = {
	id: 'a'.repeat(32),
	requester: 'did:plc:me',
	secret: 'b'.repeat(32),
	spec: { prompt: 'p', durationSeconds: 5, aspectRatio: '9:16', cameos: [], provider: 'demo', model: 'm' },
	status: 'rendering',
	progress: 40,
	providerJob: { id: 'provider-1' },
	attempts: 0,
	createdAt: 0,
	updatedAt: 0,
	deadlineAt: 1_000_000,
	cleanup: { quota: false, provider: false, video: false },
};

describe('retries', () => {
	it('wait as long as a rate limit says', () => {
		expect(verdictFor(new RateLimited('fal', 12_000), 0)).toEqual({ retryInMs: 12_000 });
	});

	it('back off exponentially with jitter, then give up', () => {
		expect(backoffMs(0, STEP_BACKOFF, () => 0.5)).toBe(1000);
		expect(backoffMs(3, STEP_BACKOFF, () => 0.5)).toBe(8000);
		expect(backoffMs(20, STEP_BACKOFF, () => 0.5)).toBe(60_000);
		expect(backoffMs(1, STEP_BACKOFF, () => 0)).toBe(1600);
		expect(verdictFor(new ProviderError('fal', 'HTTP 503', true, 503), MAX_ATTEMPTS - 1)).toEqual({ fail: 'gave up after 6 tries: fal: HTTP 503' });
	});

	it('fail at once on what retrying cannot fix; retry what is unknown', () => {
		expect(verdictFor(new ProviderError('fal', 'HTTP 401', false, 401), 0)).toEqual({ fail: 'fal: HTTP 401' });
		expect(verdictFor(new JobError('too big', false), 0)).toEqual({ fail: 'too big' });
		expect(verdictFor(new Error('D1 hiccup'), 0)).toHaveProperty('retryInMs');
	});
});

describe('transitions', () => {
	it('count failed tries, and reset them when the job moves on', () => {
		const retried = advance(job, { error: new Error('blip') }, 10).job;
		expect(retried).toMatchObject({ status: 'rendering', attempts: 1, updatedAt: 10 });
		expect(advance(retried, { to: 'stored', progress: 95, after: 0 }, 20).job).toMatchObject({ status: 'stored', attempts: 0, progress: 95 });
	});

	it('on giving up, cancel at the provider and clean up', () => {
		const failed = advance({ ...job, attempts: MAX_ATTEMPTS - 1 }, { error: new ProviderError('fal', 'HTTP 502', true) }, 30);
		expect(failed.after).toBeUndefined();
		expect(failed.job).toMatchObject({ status: 'failed', finishedAt: 30, cleanup: { quota: true, provider: true, video: true } });
	});

	it('on the provider’s own failure, do not cancel there', () => {
		expect(advance(job, { fail: 'content policy' }, 1).job.cleanup).toEqual({ quota: true, provider: false, video: true, notify: true });
	});

	it('spread the provider’s percentage over 10–90 and never go back', () => {
		expect(renderProgress(0, 10)).toBe(10);
		expect(renderProgress(50, 10)).toBe(50);
		expect(renderProgress(100, 10)).toBe(90);
		expect(renderProgress(20, 60)).toBe(60);
		expect(renderProgress(undefined, 30)).toBe(30);
	});
});

describe('plans and ids', () => {
	const parent = { uri: 'at://did:plc:a/video.dreamreel.clip/1', cid: 'c1', root: { uri: 'at://did:plc:a/video.dreamreel.clip/0', cid: 'c0' }, prompt: 'a boat', mp4: 'https://pds.example/blob' };

	it('remixes from the source video where the provider takes one, else from a derived prompt', () => {
		const withVideo = planFor(job.spec, { sourceVideo: true, sourceImage: false, references: 0 }, parent);
		expect(withVideo).toMatchObject({ request: { prompt: 'p', sourceVideoUrl: parent.mp4 }, parent: { uri: parent.uri, cid: 'c1' }, root: parent.root });
		const withoutVideo = planFor(job.spec, { sourceVideo: false, sourceImage: false, references: 0 }, parent);
		expect(withoutVideo.request).toEqual({ prompt: 'p\n\nA remix of an earlier clip, which showed: a boat', durationSeconds: 5, aspectRatio: '9:16' });
	});

	it('keeps derived prompts within what providers take, the requester’s words first', () => {
		const prompt = derivedPrompt('change it', 'x'.repeat(10_000));
		expect(prompt.length).toBe(4000);
		expect(prompt.startsWith('change it')).toBe(true);
	});

	it('derives the job id from requester and key', async () => {
		const id = await jobIdFor('did:plc:me', 'key-1');
		expect(id).toMatch(/^[0-9a-f]{32}$/);
		expect(await jobIdFor('did:plc:me', 'key-1')).toBe(id);
		expect(await jobIdFor('did:plc:you', 'key-1')).not.toBe(id);
	});
});
