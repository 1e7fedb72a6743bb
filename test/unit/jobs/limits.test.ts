import { afterEach, describe, expect, it } from 'vitest';
import { overrideJobRuntime } from '../../../worker/jobs/runtime.ts';
import { clock, demoProviders, everyoneOn, isStatus, key, newDid, seedActor, submit, until, useRuntime } from './fixtures.ts';

afterEach(() => overrideJobRuntime(undefined));

const DAY_MS = 86_400_000;

describe('idempotency', () => {
	it('the same key returns the same job, even submitted many times at once, and counts once', async () => {
		const runtime = useRuntime(demoProviders());
		const did = newDid();
		const idempotencyKey = key();
		const jobs = await Promise.all(Array.from({ length: 8 }, () => submit(runtime, did, { idempotencyKey })));
		expect(new Set(jobs.map((job) => job.id)).size).toBe(1);
		expect(new Set(jobs.map((job) => job.createdAt)).size).toBe(1);
		expect(await runtime.quota(did).usage(clock.now)).toEqual({ active: 1, today: 1 });
	});

	it('a retry after the job finished returns the finished job, not a new one', async () => {
		const runtime = useRuntime(demoProviders(0));
		const did = newDid();
		const idempotencyKey = key();
		const first = await submit(runtime, did, { idempotencyKey });
		await until(runtime.job(first.id), did, isStatus('ready'));
		const again = await submit(runtime, did, { idempotencyKey, prompt: 'something else entirely' });
		expect(again).toMatchObject({ id: first.id, status: 'ready', prompt: first.prompt });
		expect(await runtime.quota(did).usage(clock.now)).toEqual({ active: 0, today: 1 });
	});

	it('the same key from two requesters makes two jobs', async () => {
		const runtime = useRuntime(demoProviders());
		const idempotencyKey = key();
		const [a, b] = await Promise.all([submit(runtime, newDid(), { idempotencyKey }), submit(runtime, newDid(), { idempotencyKey })]);
		expect(a.id).not.toBe(b.id);
	});
});

describe('per-requester limits', () => {
	it('refuses a job past the concurrency limit with 429 TooManyJobs; a finished or cancelled one frees its slot', async () => {
		const runtime = useRuntime(demoProviders(60_000), { maxActive: 2 });
		const did = newDid();
		const [first, second] = [await submit(runtime, did), await submit(runtime, did)];
		const refused = await submit(runtime, did).catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 429, error: 'TooManyJobs' });
		expect(new Headers((refused as { headers: HeadersInit }).headers).get('retry-after')).toBe('5');

		await runtime.job(first.id).cancel(did);
		const third = await submit(runtime, did);
		await expect(submit(runtime, did)).rejects.toMatchObject({ error: 'TooManyJobs' });
		clock.now += 60_000;
		await until(runtime.job(second.id), did, isStatus('ready'), 5_000);
		await until(runtime.job(third.id), did, isStatus('ready'), 5_000);
		await expect(submit(runtime, did)).resolves.toMatchObject({ status: 'queued' });
	});

	it('a retry of an accepted job is answered even at the limit', async () => {
		const runtime = useRuntime(demoProviders(60_000), { maxActive: 1 });
		const did = newDid();
		const idempotencyKey = key();
		const job = await submit(runtime, did, { idempotencyKey });
		await expect(submit(runtime, did)).rejects.toMatchObject({ error: 'TooManyJobs' });
		await expect(submit(runtime, did, { idempotencyKey })).resolves.toMatchObject({ id: job.id });
	});

	it('refuses past the daily quota with 429 QuotaExceeded until the next UTC day', async () => {
		const runtime = useRuntime(demoProviders(0), { dailyQuota: 2, maxActive: 5 });
		const did = newDid();
		clock.now = Math.floor(clock.now / DAY_MS) * DAY_MS + 23 * 3_600_000; // 23:00 UTC
		for (let i = 0; i < 2; i++) await submit(runtime, did);
		const refused = await submit(runtime, did).catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 429, error: 'QuotaExceeded' });
		expect(new Headers((refused as { headers: HeadersInit }).headers).get('retry-after')).toBe('3600');
		clock.now += 3_600_000;
		await expect(submit(runtime, did)).resolves.toMatchObject({ status: 'queued' });
	});

	it('never lets concurrent submits past the limits', async () => {
		const runtime = useRuntime(demoProviders(60_000), { maxActive: 3, dailyQuota: 100 });
		const did = newDid();
		const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => submit(runtime, did)));
		const accepted = outcomes.filter((o) => o.status === 'fulfilled');
		const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as { error: string }] : []));
		expect(accepted).toHaveLength(3);
		expect(refused.map((r) => r.error)).toEqual(Array(9).fill('TooManyJobs'));
		expect(await runtime.quota(did).usage(clock.now)).toEqual({ active: 3, today: 3 });
	});

	it('takes back a slot whose release was lost, once the job timeout has passed', async () => {
		const runtime = useRuntime(demoProviders(), { maxActive: 1, timeoutMs: 60_000 });
		const did = newDid();
		// A reservation whose job never reported its end.
		await runtime.quota(did).reserve('lost-job', { maxActive: 1, dailyQuota: 10, staleAfterMs: 60_000, now: clock.now });
		await expect(submit(runtime, did)).rejects.toMatchObject({ error: 'TooManyJobs' });
		clock.now += 7 * 60_000; // the timeout and a margin
		await expect(submit(runtime, did)).resolves.toMatchObject({ status: 'queued' });
	});
});

describe('budgets beyond one account', () => {
	const retryAfter = (error: unknown) => new Headers((error as { headers: HeadersInit }).headers).get('retry-after');

	it('refuses an account that is not active on a PDS with 403 AccountNotActive, counting nothing', async () => {
		const runtime = useRuntime(demoProviders(), {}, async () => ({ ok: false, reason: 'your PDS has no repo for you' }));
		const did = newDid();
		await expect(submit(runtime, did)).rejects.toMatchObject({ status: 403, error: 'AccountNotActive' });
		expect(await runtime.quota(did).usage(clock.now)).toEqual({ active: 0, today: 0 });
	});

	it('many accounts on one PDS host (any of its subdomains) share the host’s daily quota', async () => {
		const host = `sybil-${crypto.randomUUID().slice(0, 8)}.example`;
		let n = 0;
		const runtime = useRuntime(demoProviders(60_000), { hostDailyQuota: 3 }, async () => ({ ok: true, pdsHost: `pds${++n}.${host}` }));
		for (let i = 0; i < 3; i++) await submit(runtime, newDid());
		const refused = await submit(runtime, newDid()).catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 429, error: 'QuotaExceeded', message: expect.stringContaining(host) });
		expect(Number(retryAfter(refused))).toBeGreaterThan(0);
	});

	it('a trusted host’s accounts are held only to their own limits', async () => {
		const runtime = useRuntime(demoProviders(60_000), { hostDailyQuota: 1, trustedPdsHosts: ['host.trusted.example'] }, everyoneOn('morel.host.trusted.example'));
		for (let i = 0; i < 3; i++) await submit(runtime, newDid());
	});

	it('stops every account at the provider’s daily spend ceiling, in seconds of video, and a refused job frees what it took', async () => {
		const runtime = useRuntime(demoProviders(60_000), { dailySeconds: new Map([['demo', 12]]), hostDailyQuota: 1_000 }, everyoneOn(`h-${crypto.randomUUID().slice(0, 8)}.example`));
		clock.now += 2 * DAY_MS; // a fresh day for the shared provider budget
		const first = newDid();
		await submit(runtime, first, { durationSeconds: 5 });
		await submit(runtime, newDid(), { durationSeconds: 5 });
		const refused = await submit(runtime, first, { durationSeconds: 5 }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 429, error: 'QuotaExceeded', message: expect.stringContaining('seconds of video') });
		// The refusal came after the account's own slot was taken: it was handed back.
		expect(await runtime.quota(first).usage(clock.now)).toEqual({ active: 1, today: 1 });
		await expect(submit(runtime, newDid(), { durationSeconds: 2 })).resolves.toMatchObject({ status: 'queued' });
	});

	it('never lets concurrent submits from many accounts past the spend ceiling', async () => {
		const runtime = useRuntime(demoProviders(60_000), { dailySeconds: new Map([['demo', 20]]), hostDailyQuota: 1_000 }, everyoneOn(`c-${crypto.randomUUID().slice(0, 8)}.example`));
		clock.now += 3 * DAY_MS;
		const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => submit(runtime, newDid(), { durationSeconds: 5 })));
		expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
	});
});

describe('an account the network says is inactive', () => {
	it('is refused at once (the index follows #account events), whatever its PDS said within the hour', async () => {
		const runtime = useRuntime(demoProviders());
		const did = newDid();
		await seedActor(did, 'gone.test', { active: false });
		await expect(submit(runtime, did)).rejects.toMatchObject({ status: 403, error: 'AccountNotActive' });
	});
});
