// The generation benchmark (`npm run bench:jobs`): N jobs submitted at once through
// `video.dreamreel.generate` on the real worker (wrangler dev), each with a service JWT the
// requester signed (self-held did:plc keys, verified against the local PLC), against the demo
// provider with zero latency. Prints jobs/s to ready, submit latency, and checks that no job was
// lost or started twice. See bench/jobs/README.md.
import { existsSync } from 'node:fs';
import { createAccount, startStack } from '../../test/network/harness.ts';
import { descendantCpuSeconds } from '../../scripts/processes.ts';

// Local state (the PDS's, and the worker's Durable Objects, D1 and R2) on tmpfs unless TMPDIR says
// otherwise: on disk every storage commit waits for this machine's fsync, which is not what is measured.
if (!process.env.TMPDIR && existsSync('/dev/shm')) process.env.TMPDIR = '/dev/shm';

const N = Number(process.env.BENCH_JOBS ?? 1000);
const PACED = Number(process.env.BENCH_PACED ?? 200);
const USERS = Number(process.env.BENCH_USERS ?? 10);
const DUPLICATES = Number(process.env.BENCH_DUPLICATES ?? 100);
const ports = {
	pds: Number(process.env.BENCH_PDS_PORT ?? 3783),
	plc: Number(process.env.BENCH_PLC_PORT ?? 3782),
	worker: Number(process.env.BENCH_WORKER_PORT ?? 8801),
};

interface Job {
	id: string;
	status: string;
	createdAt: string;
	updatedAt: string;
	result?: { url: string; size: number };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (value: number) => `${value.toFixed(1)} ms`;

console.log(`bench:jobs — ${N} jobs at once (+${DUPLICATES} duplicate submits) from ${USERS} requesters, demo provider at 0 ms, state in ${process.env.TMPDIR ?? 'the temp dir'}`);
const stack = await startStack(ports, {
	DEMO_GENERATION_MS: '0',
	// The limits are not what is measured here: high enough that every job is accepted.
	JOB_MAX_ACTIVE: String(N + PACED),
	JOB_DAILY_QUOTA: String(2 * (N + PACED)),
	JOB_HOST_DAILY_QUOTA: String(2 * (N + PACED)),
	RATE_LIMIT_EXEMPT: '127.0.0.1,::1',
});
try {
	// Real accounts on the local PDS (generation is for accounts with an active repo), their tokens minted by it.
	const users: { sign: (lxm: string) => Promise<string> }[] = [];
	for (let i = 0; i < USERS; i++) {
		const agent = await createAccount(stack.network.pdsUrl, `bench${Date.now().toString(36)}${i}`);
		users.push({ sign: async (lxm) => (await agent.com.atproto.server.getServiceAuth({ aud: stack.serviceDid, lxm })).data.token });
	}
	const base = stack.worker.url;
	const call = async (path: string, token: string, body?: unknown) => {
		const response = await fetch(`${base}/xrpc/${path}`, {
			method: body === undefined ? 'GET' : 'POST',
			headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status: response.status, body: (await response.json()) as { job: Job; error?: string } };
	};
	// Warm-up outside the clock: each requester's DID document resolved once, as a running service has them.
	for (const user of users) await call(`video.dreamreel.getJob?id=${'0'.repeat(32)}`, await user.sign('video.dreamreel.getJob'));

	// Every request signed before the clock starts: signing is the client's cost, verifying is ours.
	const run = Date.now().toString(36);
	const requests = await Promise.all(
		Array.from({ length: N + DUPLICATES }, async (_, i) => {
			const index = i < N ? i : Math.floor(Math.random() * N); // duplicates resend a random earlier key
			const user = users[index % USERS]!;
			return { index, user, token: await user.sign('video.dreamreel.generate'), key: `bench-${run}-${index}` };
		}),
	);
	requests.sort(() => Math.random() - 0.5);

	// A submit that fails in transit (wrangler dev reloads the worker when files change, answering
	// "Your worker restarted mid-request") is retried with the same key, as any client would: the
	// idempotency key makes that safe, and the checks below verify it.
	let retries = 0;
	const resendReasons = new Map<string, number>();
	const submitOnce = async (request: (typeof requests)[number], token: string) => {
		try {
			return await call('video.dreamreel.generate', token, { prompt: `bench job ${request.index}`, idempotencyKey: request.key });
		} catch (error) {
			return { status: 0, body: { error: String(error) } as { job: Job; error?: string } };
		}
	};
	const cpuStart = descendantCpuSeconds();
	const t0 = Date.now();
	const latencies: number[] = [];
	const answers = await Promise.all(
		requests.map(async (request) => {
			const started = performance.now();
			let answer = await submitOnce(request, request.token);
			for (let attempt = 1; (answer.status === 0 || answer.status >= 500) && attempt < 5; attempt++) {
				retries += 1;
				const reason = answer.status === 0 ? String(answer.body.error).slice(0, 80) : `HTTP ${answer.status}`;
				resendReasons.set(reason, (resendReasons.get(reason) ?? 0) + 1);
				answer = await submitOnce(request, await request.user.sign('video.dreamreel.generate'));
			}
			latencies.push(performance.now() - started);
			return { ...request, ...answer };
		}),
	);
	const submitMs = Date.now() - t0;
	const refused = answers.filter((a) => a.status !== 200);
	if (refused.length > 0) throw new Error(`${refused.length} submits refused, e.g. ${JSON.stringify(refused[0]?.body)}`);

	// Idempotency: one id per key, whichever request (original or duplicate) got there first.
	const idByIndex = new Map<number, string>();
	for (const answer of answers) {
		const seen = idByIndex.get(answer.index);
		if (seen && seen !== answer.body.job.id) throw new Error(`key ${answer.key} gave two jobs: ${seen}, ${answer.body.job.id}`);
		idByIndex.set(answer.index, answer.body.job.id);
	}
	const ids = new Set(idByIndex.values());
	if (ids.size !== N) throw new Error(`${ids.size} distinct jobs for ${N} keys`);

	// Follow every job to the end; its ready time is the object's own updatedAt, so how often we
	// look does not change the figure, but looking costs the worker CPU (a JWT to verify per call).
	// So: a small sample is watched until it is done, then everything still pending is swept.
	const pending = new Map([...idByIndex].map(([index, id]) => [id, users[index % USERS]!]));
	const done = new Map<string, Job>();
	const look = async ([id, user]: [string, (typeof users)[number]]) => {
		const answer = await call(`video.dreamreel.getJob?id=${id}`, await user.sign('video.dreamreel.getJob')).catch(() => undefined);
		const job = answer?.status === 200 ? answer.body.job : undefined;
		if (job && (job.status === 'ready' || job.status === 'failed' || job.status === 'cancelled')) {
			done.set(id, job);
			pending.delete(id);
		}
	};
	const inBatches = async (entries: [string, (typeof users)[number]][]) => {
		for (let i = 0; i < entries.length; i += 20) await Promise.all(entries.slice(i, i + 20).map(look));
	};
	const deadline = Date.now() + 300_000;
	while (pending.size > 0) {
		if (Date.now() > deadline) throw new Error(`${pending.size} jobs never finished`);
		const sample = [...pending].sort(() => Math.random() - 0.5).slice(0, 10);
		await inBatches(sample);
		if (sample.every(([id]) => !pending.has(id))) await inBatches([...pending]);
		else await new Promise((resolve) => setTimeout(resolve, 500));
	}
	const cpuEnd = descendantCpuSeconds();
	const failed = [...done.values()].filter((job) => job.status !== 'ready');
	if (failed.length > 0) throw new Error(`${failed.length} jobs did not become ready, e.g. ${JSON.stringify(failed[0])}`);
	const urls = new Set([...done.values()].map((job) => job.result?.url));
	if (urls.size !== N) throw new Error(`${urls.size} distinct videos for ${N} jobs`);
	const sample = [...done.values()].slice(0, 10);
	for (const job of sample) {
		const video = await fetch(job.result!.url);
		if ((await video.arrayBuffer()).byteLength !== job.result!.size) throw new Error(`video of ${job.id} is not what the job says`);
	}

	// The burst measures queueing; a paced run (8 in flight) shows what one submit costs.
	const paced: number[] = [];
	for (let i = 0; i < PACED; i += 8) {
		await Promise.all(
			Array.from({ length: Math.min(8, PACED - i) }, async (_, j) => {
				const user = users[(i + j) % USERS]!;
				const token = await user.sign('video.dreamreel.generate');
				const started = performance.now();
				const answer = await call('video.dreamreel.generate', token, { prompt: 'paced', idempotencyKey: `paced-${run}-${i + j}` });
				if (answer.status === 200) paced.push(performance.now() - started);
			}),
		);
	}
	paced.sort((a, b) => a - b);

	const readyAt = [...done.values()].map((job) => Date.parse(job.updatedAt));
	const lastReady = Math.max(...readyAt);
	const perJob = [...done.values()].map((job) => Date.parse(job.updatedAt) - Date.parse(job.createdAt)).sort((a, b) => a - b);
	latencies.sort((a, b) => a - b);
	const workerdSeconds = (cpuEnd.get('workerd') ?? NaN) - (cpuStart.get('workerd') ?? NaN);
	const cpuPerJob = Number.isFinite(workerdSeconds) ? ms((workerdSeconds * 1000) / N) : 'n/a';
	console.log(`
submitted     ${N + DUPLICATES} requests in ${submitMs} ms (${((N + DUPLICATES) / (submitMs / 1000)).toFixed(0)} req/s)
submit        p50 ${ms(percentile(latencies, 50))}  p99 ${ms(percentile(latencies, 99))}  max ${ms(latencies.at(-1)!)}  (${retries} resent${retries ? `: ${[...resendReasons].map(([r, n]) => `${n}× ${r}`).join('; ')}` : ''})
paced submit  ${paced.length} with 8 in flight: p50 ${ms(percentile(paced, 50))}  p99 ${ms(percentile(paced, 99))}
to ready      ${N} jobs in ${lastReady - t0} ms from the first submit: ${(N / ((lastReady - t0) / 1000)).toFixed(1)} jobs/s
per job       created → ready p50 ${perJob[Math.floor(perJob.length / 2)]} ms  p99 ${percentile(perJob, 99)} ms
workerd CPU   ${cpuPerJob} per job (submit, run, store, and the polls), on a machine other work shares
checked       ${N} distinct jobs for ${N} keys (${DUPLICATES} duplicates answered with their original), all ready,
              ${urls.size} distinct videos, ${sample.length} downloaded and sized; none lost, none duplicated`);
} finally {
	await stack.close();
}
