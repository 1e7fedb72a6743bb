import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GenerationJob } from '../../../durable-objects/GenerationJob.ts';
import { overrideJobRuntime } from '../../../worker/jobs/runtime.ts';
import type { JobView } from '../../../worker/jobs/view.ts';
import { clock, demoProviders, expectValidView, isStatus, newDid, submit, until, useRuntime } from './fixtures.ts';

afterEach(() => overrideJobRuntime(undefined));

/** The notifications the requester was given, as stored. */
const told = async (did: string) =>
	(await env.DB.prepare('SELECT reason, uri, detail FROM notifications WHERE recipient = ?1').bind(did).all<{ reason: string; uri: string; detail: string }>()).results.map(
		(row) => ({ ...row, detail: JSON.parse(row.detail) as unknown }),
	);

const ORDER = ['queued', 'consent_checked', 'submitted', 'rendering', 'stored', 'ready'];

/** Opens the job's event socket as the worker route does once the requester is authenticated. */
async function watch(stub: DurableObjectStub<GenerationJob>, requester: string) {
	const response = await stub.fetch(`https://job.internal/events?requester=${encodeURIComponent(requester)}`, { headers: { upgrade: 'websocket' } });
	const socket = response.webSocket;
	if (!socket) throw new Error(`no socket: ${response.status}`);
	socket.accept();
	const seen: JobView[] = [];
	const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
	socket.addEventListener('message', (event) => {
		seen.push((JSON.parse(event.data as string) as { job: JobView }).job);
	});
	return { socket, seen, closed };
}

describe('a generation job', () => {
	it('runs queued → consent_checked → submitted → rendering → stored → ready, offering a real MP4', async () => {
		const runtime = useRuntime(demoProviders(8_000));
		const did = newDid();
		const job = await submit(runtime, did, { durationSeconds: 4, aspectRatio: '9:16' });
		expect(job).toMatchObject({ status: 'queued', progress: 0, provider: 'demo', model: 'demo-samples-1', durationSeconds: 4, aspectRatio: '9:16', cameos: [] });
		expect(job.id).toMatch(/^[0-9a-f]{32}$/);
		expectValidView(job);

		const stub = runtime.job(job.id);
		const ready = await until(stub, did, isStatus('ready'));
		expectValidView(ready);
		expect(ready).toMatchObject({ progress: 100, result: { mimeType: 'video/mp4', durationMs: 3000, aspectRatio: { width: 9, height: 16 } } });
		expect(ready.error).toBeUndefined();
		expect(ready.result?.url).toMatch(new RegExp(`^http://localhost:8787/jobs/${job.id}/video/[0-9a-f]{32}\\.mp4$`));

		const video = await exports.default.fetch(ready.result!.url);
		const bytes = new Uint8Array(await video.arrayBuffer());
		expect(video.status).toBe(200);
		expect(bytes.byteLength).toBe(ready.result!.size);
		expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe('ftyp');
		// Finished: the concurrency slot is free again, the day's count keeps it.
		expect(await runtime.quota(did).usage(clock.now)).toEqual({ active: 0, today: 1 });
		// The requester is told, once, however often the cleanup runs.
		await vi.waitFor(async () => expect(await told(did)).toHaveLength(1));
		await runDurableObjectAlarm(stub);
		expect(await told(did)).toEqual([{ reason: 'jobFinished', uri: `job:${job.id}`, detail: { job: { id: job.id, status: 'ready' } } }]);
	});

	it('streams every change to a WebSocket, progress never going back, up to 100 %, then closes', async () => {
		const runtime = useRuntime(demoProviders(8_000));
		const did = newDid();
		const job = await submit(runtime, did);
		const stub = runtime.job(job.id);
		const { seen, closed } = await watch(stub, did);
		await until(stub, did, isStatus('ready'));
		expect(await closed).toBe(1000);

		const statuses = [...new Set(seen.map((view) => view.status))];
		expect(statuses).toEqual(ORDER.filter((status) => statuses.includes(status)));
		expect(statuses).toEqual(expect.arrayContaining(['rendering', 'stored', 'ready']));
		const progress = seen.map((view) => view.progress);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
		expect(progress.filter((p) => p > 10 && p < 90).length).toBeGreaterThan(1); // the provider's percentage shows through
		expect(seen.at(-1)).toMatchObject({ status: 'ready', progress: 100 });
		for (const view of seen) expectValidView(view);
	});

	it('resumes after an eviction mid-render, hibernated sockets included', async () => {
		const runtime = useRuntime(demoProviders(8_000));
		const did = newDid();
		const job = await submit(runtime, did);
		const stub = runtime.job(job.id);
		const { seen, closed } = await watch(stub, did);
		await until(stub, did, isStatus('rendering'));
		await evictDurableObject(stub);
		const ready = await until(stub, did, isStatus('ready'));
		expect(ready.progress).toBe(100);
		expect(seen.at(-1)).toMatchObject({ status: 'ready' });
		expect(await closed).toBe(1000);
	});

	it('answers a socket opened after the end with the final state, then closes it', async () => {
		const runtime = useRuntime(demoProviders(0));
		const did = newDid();
		const job = await submit(runtime, did);
		const stub = runtime.job(job.id);
		await until(stub, did, isStatus('ready'));
		const { seen, closed } = await watch(stub, did);
		expect(await closed).toBe(1000);
		expect(seen).toEqual([expect.objectContaining({ status: 'ready', progress: 100 })]);
	});

	it('fails when not done within the timeout, with the reason', async () => {
		const runtime = useRuntime(demoProviders(600_000), { timeoutMs: 60_000 });
		const did = newDid();
		const job = await submit(runtime, did);
		const stub = runtime.job(job.id);
		const failed = await until(stub, did, isStatus('failed'), 10_000);
		expect(failed.error).toBe('timed out: not finished within 60 s');
		expect(failed.result).toBeUndefined();
		await vi.waitFor(async () =>
			expect(await told(did)).toEqual([
				{ reason: 'jobFinished', uri: `job:${job.id}`, detail: { job: { id: job.id, status: 'failed', error: 'timed out: not finished within 60 s' } } },
			]),
		);
		expect(await runtime.quota(did).usage(clock.now)).toMatchObject({ active: 0 });
		expectValidView(failed);
	});

	it('cancels: the slot is free at once, the job stays cancelled, cancelling again changes nothing', async () => {
		const runtime = useRuntime(demoProviders(8_000));
		const did = newDid();
		const job = await submit(runtime, did);
		const stub = runtime.job(job.id);
		await until(stub, did, isStatus('rendering'));
		const cancelled = await stub.cancel(did);
		expect(cancelled).toMatchObject({ status: 'cancelled', error: 'cancelled by the requester' });
		expect(await runtime.quota(did).usage(clock.now)).toMatchObject({ active: 0 });
		clock.now += 60_000;
		await runDurableObjectAlarm(stub);
		await runDurableObjectAlarm(stub);
		expect(await stub.view(did)).toMatchObject({ status: 'cancelled' });
		expect(await stub.cancel(did)).toMatchObject({ status: 'cancelled' });
		// They cancelled it themselves: nothing to tell.
		expect(await told(did)).toEqual([]);
	});

	it('is invisible to anyone but its requester', async () => {
		const runtime = useRuntime(demoProviders(8_000));
		const did = newDid();
		const job = await submit(runtime, did);
		const stub = runtime.job(job.id);
		expect(await stub.view(newDid())).toBeNull();
		expect(await stub.cancel(newDid())).toBeNull();
		const response = await stub.fetch(`https://job.internal/events?requester=${newDid()}`, { headers: { upgrade: 'websocket' } });
		expect(response.status).toBe(404);
	});

	it('a lookup of an id that names no job stores nothing', async () => {
		const runtime = useRuntime(demoProviders());
		const stub = runtime.job('f'.repeat(32));
		expect(await stub.view(newDid())).toBeNull();
		expect(await stub.cancel(newDid())).toBeNull();
		const tables = await runInDurableObject(stub, (_instance, state) =>
			state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`).toArray().map((row) => row.name),
		);
		expect(tables).not.toContain('job');
		expect(tables).not.toContain('migrations');
	});

	it('deletes the video once the retention time has passed', async () => {
		const runtime = useRuntime(demoProviders(0), { retentionMs: 3_600_000 });
		const did = newDid();
		const job = await submit(runtime, did);
		const stub = runtime.job(job.id);
		const ready = await until(stub, did, isStatus('ready'));
		const key = new URL(ready.result!.url).pathname.replace(/^\/jobs\/([0-9a-f]+)\/video\//, 'jobs/$1/');
		expect(await env.VIDEOS.head(key)).not.toBeNull();
		// The retention alarm is set for the requester's hour.
		const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
		expect(alarm).toBeGreaterThan(Date.now() + 3_500_000);
		clock.now += 3_600_000;
		await runDurableObjectAlarm(stub);
		expect(await env.VIDEOS.head(key)).toBeNull();
		const expired = await stub.view(did);
		expect(expired).toMatchObject({ status: 'ready' });
		expect(expired?.result).toBeUndefined();
	});
});
