// Shared by the jobs-*.test.ts files: a hand-driven clock, providers over the contract fakes, the
// job runtime swapped in for every job object, and rows seeded into the index.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { safeParse } from '@atcute/lexicons/validations';
import { expect } from 'vitest';
import type { GenerationJob } from '../../../durable-objects/GenerationJob.ts';
import type { JobConfig } from '../../../worker/jobs/config.ts';
import { createJobRuntime, overrideJobRuntime, type JobRuntime } from '../../../worker/jobs/runtime.ts';
import { submitJob } from '../../../worker/jobs/submit.ts';
import type { JobView } from '../../../worker/jobs/view.ts';
import { VideoDreamreelDefs } from '../../../worker/lexicons/index.ts';
import { providersFromConfig, type Providers } from '../../../worker/providers/index.ts';
import { FAL_FAKE_URL, FalFake } from '../../fixtures/fakes/fal.ts';
import { REPLICATE_FAKE_URL, ReplicateFake } from '../../fixtures/fakes/replicate.ts';

export const clock = { now: Date.parse('2026-11-25T12:00:00.000Z') };
const now = () => clock.now;

export const TEST_CONFIG: JobConfig = {
	maxActive: 3,
	dailyQuota: 10,
	timeoutMs: 20 * 60_000,
	retentionMs: 7 * 86_400_000,
	hostDailyQuota: 1_000_000,
	trustedPdsHosts: [],
	dailySeconds: new Map([['demo', 1_000_000], ['fal', 1_000_000], ['replicate', 1_000_000]]),
};

/** Where each requester's repo lives; the network tier checks this against a real PDS. */
export type Accounts = JobRuntime['account'];
export const everyoneOn = (pdsHost: string): Accounts => async () => ({ ok: true, pdsHost });

export function demoProviders(totalMs = 8_000): Providers {
	return providersFromConfig({ DEMO_GENERATION_MS: String(totalMs) }, { now });
}

export function falProviders(fake: FalFake, options: { model?: string; fetch?: typeof fetch } = {}): Providers {
	const vars = { FAL_KEY: fake.apiKey, FAL_QUEUE_URL: FAL_FAKE_URL, FAL_MODEL: options.model ?? 'bytedance/seedance-2.0/text-to-video' };
	return providersFromConfig(vars, { fetch: options.fetch ?? fake.fetch, now });
}

export function replicateProviders(fake: ReplicateFake): Providers {
	return providersFromConfig({ REPLICATE_API_TOKEN: fake.apiToken, REPLICATE_API_URL: REPLICATE_FAKE_URL }, { fetch: fake.fetch, now });
}

/** Every job object and handler built from here on uses these providers, the test clock and limits. */
export function useRuntime(providers: Providers, config: Partial<JobConfig> = {}, account: Accounts = everyoneOn('pds.example.com')): JobRuntime {
	overrideJobRuntime(() => ({ providers, now, config: { ...TEST_CONFIG, ...config }, account }));
	return createJobRuntime(env);
}

let counter = 0;

export function key(label = 'job'): string {
	counter += 1;
	return `${label}-${counter}-${crypto.randomUUID()}`;
}

export async function submit(runtime: JobRuntime, requester: string, fields: Partial<Parameters<typeof submitJob>[2]> = {}): Promise<JobView> {
	return submitJob(runtime, requester, { prompt: 'a lighthouse made of glass at dusk', idempotencyKey: key(), ...fields });
}

/** Runs the job's alarms (advancing the clock by `stepMs` each time) until `done` holds. */
export async function until(
	stub: DurableObjectStub<GenerationJob>,
	requester: string,
	done: (job: JobView) => boolean,
	stepMs = 1_000,
	max = 60,
): Promise<JobView> {
	for (let i = 0; i < max; i++) {
		const job = await stub.view(requester);
		if (job && done(job)) return job;
		clock.now += stepMs;
		await runDurableObjectAlarm(stub);
	}
	throw new Error(`job never reached the expected state: ${JSON.stringify(await stub.view(requester))}`);
}

export const isStatus = (...statuses: string[]) => (job: JobView) => statuses.includes(job.status);

/** Every view a client sees must be a valid jobView. */
export function expectValidView(job: JobView): void {
	expect(safeParse(VideoDreamreelDefs.jobViewSchema, job)).toMatchObject({ ok: true });
}

// The index: seeded rows, shared with the view tests.
export { newDid, seedActor, seedClip, seedConsent, seedFollow } from '../index-fixtures.ts';
