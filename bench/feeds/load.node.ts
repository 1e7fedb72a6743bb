// Load generation and figures shared by the feeds and playback benchmarks: autocannon (a real HTTP
// load tool, used programmatically) against the local worker, with our own per-request timing so
// that latencies keep sub-millisecond resolution and time to first byte is measured too.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { workerdCpuSeconds } from '../../scripts/processes.ts';

/**
 * autocannon keeps every response body as a string (for its body checks), decoding it chunk by
 * chunk: for a 4 MiB video that costs the client more CPU than the server spends. Runs that check no
 * bodies switch that off for their duration (the queue class is autocannon's own, per response).
 */
const bodyQueue = createRequire(import.meta.url)('autocannon/lib/pipelinedRequestsQueue.js') as { prototype: { addBody(data: unknown): void } };
const keepBody = bodyQueue.prototype.addBody;

export interface LoadOptions {
	/** What the row is called in the tables. */
	name: string;
	url: string;
	connections: number;
	/** Seconds measured; a warm-up of `warmupSeconds` runs first and is thrown away. */
	seconds: number;
	warmupSeconds?: number;
	method?: 'GET' | 'HEAD';
	headers?: Record<string, string>;
	/** Headers per request (e.g. one of many viewers' tokens), merged over `headers`. */
	headersFor?: () => Record<string, string>;
	/** Checks each response body; a `false` counts as a mismatch (reported, and fails the run). */
	verifyBody?: (body: string) => boolean;
}

export interface LoadResult {
	name: string;
	connections: number;
	seconds: number;
	requests: number;
	rps: number;
	/** Response bytes per second (headers and body). */
	bytesPerSecond: number;
	/** Request written → last byte of the response, ms. */
	latency: Summary;
	/** Request written → response headers parsed (the first bytes), ms. */
	ttfb: Summary;
	non2xx: number;
	errors: number;
	timeouts: number;
	mismatches: number;
	/** Counts of the `x-dreamreel-cache` response header's values (`none` when absent). */
	cache: Record<string, number>;
	statuses: Record<string, number>;
	/** CPU the worker's workerd processes used per wall second of the run (1 = one core busy). */
	workerdCores: number | null;
	/** workerd CPU per answered request, ms: what a request costs whatever else runs on the machine. */
	workerdCpuMsPerRequest: number | null;
	/** CPU this process (the load client, and the PDS beside it) used per wall second. */
	clientCores: number;
}

export interface Summary {
	p50: number;
	p90: number;
	p99: number;
	max: number;
	mean: number;
}

export function summarize(values: number[]): Summary {
	if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
	const sorted = Float64Array.from(values).sort();
	const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
	let sum = 0;
	for (const value of sorted) sum += value;
	return { p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1]!, mean: sum / sorted.length };
}

/** The bits of autocannon's per-connection client we listen to (its typings lag the events it emits). */
interface ClientEvents {
	on(event: 'request', listener: () => void): unknown;
	on(event: 'headers', listener: (parsed: { statusCode: number; headers: string[] }) => void): unknown;
}

/** One measured run: a warm-up, then `seconds` of closed-loop load on `connections` keep-alive connections. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
	if (options.warmupSeconds) await autocannonRun(options, options.warmupSeconds, undefined);
	const stats = { latency: [] as number[], ttfb: [] as number[], cache: {} as Record<string, number>, statuses: {} as Record<string, number> };
	const cpuBefore = workerdCpuSeconds();
	const clientBefore = process.cpuUsage();
	const started = performance.now();
	const result = await autocannonRun(options, options.seconds, stats);
	const wall = (performance.now() - started) / 1000;
	const cpuAfter = workerdCpuSeconds();
	const client = process.cpuUsage(clientBefore);
	return {
		name: options.name,
		connections: options.connections,
		seconds: result.duration,
		requests: stats.latency.length,
		rps: stats.latency.length / result.duration,
		bytesPerSecond: result.throughput.total / result.duration,
		latency: summarize(stats.latency),
		ttfb: summarize(stats.ttfb),
		non2xx: result.non2xx,
		errors: result.errors,
		timeouts: result.timeouts,
		mismatches: result.mismatches,
		cache: stats.cache,
		statuses: stats.statuses,
		workerdCores: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / wall,
		workerdCpuMsPerRequest: cpuBefore === null || cpuAfter === null || stats.latency.length === 0 ? null : ((cpuAfter - cpuBefore) * 1000) / stats.latency.length,
		clientCores: (client.user + client.system) / 1e6 / wall,
	};
}

async function autocannonRun(
	options: LoadOptions,
	seconds: number,
	stats: { latency: number[]; ttfb: number[]; cache: Record<string, number>; statuses: Record<string, number> } | undefined,
): Promise<autocannon.Result> {
	const headersFor = options.headersFor;
	let finish: (error: unknown, result: autocannon.Result) => void = () => {};
	const done = new Promise<autocannon.Result>((resolve, reject) => {
		finish = (error, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result));
	});
	const instance = autocannon({
		url: options.url,
		method: options.method ?? 'GET',
		connections: options.connections,
		pipelining: 1,
		duration: seconds,
		timeout: 30,
		headers: options.headers ?? {},
		...(headersFor
			? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, headers: { ...request.headers, ...headersFor() } }) }] }
			: {}),
		...(options.verifyBody ? { verifyBody: (body: string | Buffer | undefined) => options.verifyBody!(body?.toString() ?? '') } : {}),
		setupClient: (client) => {
			if (!stats) return;
			let sentAt = 0;
			const events = client as unknown as ClientEvents;
			events.on('request', () => {
				sentAt = performance.now();
			});
			events.on('headers', (parsed) => {
				stats.ttfb.push(performance.now() - sentAt);
				stats.statuses[parsed.statusCode] = (stats.statuses[parsed.statusCode] ?? 0) + 1;
				let state = 'none';
				for (let i = 0; i < parsed.headers.length; i += 2) {
					if (parsed.headers[i]!.toLowerCase() === 'x-dreamreel-cache') state = parsed.headers[i + 1]!;
				}
				stats.cache[state] = (stats.cache[state] ?? 0) + 1;
			});
		},
	}, (error, result) => finish(error, result));
	if (stats) instance.on('response', (_client, _status, _bytes, responseTime) => stats.latency.push(responseTime));
	if (!options.verifyBody) bodyQueue.prototype.addBody = () => {};
	try {
		return await done;
	} finally {
		bodyQueue.prototype.addBody = keepBody;
	}
}

// ---- printing ----

export function ms(value: number): string {
	if (!Number.isFinite(value)) return '–';
	return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function bytes(value: number): string {
	if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
	if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
	return `${value.toFixed(0)} B`;
}

/** A Markdown table, so the figures paste into an issue or a PR as they are. */
export function table(headers: string[], rows: (string | number)[][]): string {
	const cells = [headers, ...rows.map((row) => row.map(String))];
	const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
	const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
	return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export function loadTable(results: LoadResult[], withBytes = false): string {
	return table(
		['endpoint', 'conns', 'req/s', ...(withBytes ? ['MiB/s'] : []), 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'TTFB p50', 'TTFB p99', 'non-2xx', 'errors', 'workerd cores', 'workerd CPU ms/req', 'client cores'],
		results.map((r) => [
			r.name,
			r.connections,
			r.rps.toFixed(0),
			...(withBytes ? [(r.bytesPerSecond / 1024 / 1024).toFixed(1)] : []),
			ms(r.latency.p50),
			ms(r.latency.p90),
			ms(r.latency.p99),
			ms(r.latency.max),
			ms(r.ttfb.p50),
			ms(r.ttfb.p99),
			r.non2xx,
			r.errors + r.timeouts + r.mismatches,
			r.workerdCores === null ? '–' : r.workerdCores.toFixed(2),
			r.workerdCpuMsPerRequest === null ? '–' : r.workerdCpuMsPerRequest.toFixed(2),
			r.clientCores.toFixed(2),
		]),
	);
}

/** Throws when a run saw anything but successful, well-formed answers: figures of failures mean nothing. */
export function assertClean(result: LoadResult, expectedStatus: number[] = [200]): void {
	const bad = Object.entries(result.statuses).filter(([status]) => !expectedStatus.includes(Number(status)));
	if (bad.length > 0 || result.errors > 0 || result.timeouts > 0 || result.mismatches > 0 || result.requests === 0) {
		throw new Error(
			`${result.name}: ${result.requests} answers, statuses ${JSON.stringify(result.statuses)}, ${result.errors} errors, ${result.timeouts} timeouts, ${result.mismatches} bad bodies`,
		);
	}
}

export async function sleep(msToWait: number): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, msToWait));
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value !== undefined) return value;
		} catch (error) {
			lastError = error;
		}
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
		await sleep(everyMs);
	}
}

/** Runs `task` over `items` with at most `limit` at a time, in order of start. */
export async function pool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await task(items[index]!, index);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return results;
}

/** A small seeded PRNG (mulberry32): the same dataset on every run. */
export function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function envNumber(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${raw}`);
	return value;
}

/**
 * Runs a benchmark's `body`, then `cleanup` (stop the stack, release the snapshot) whatever happens:
 * also on Ctrl-C or SIGTERM (exit 130) and past `limitMs` (exit 2), so no PDS or workerd outlives it.
 */
export async function boundedRun(name: string, limitMs: number, cleanup: () => Promise<void>, body: () => Promise<void>): Promise<void> {
	const stop = (why: string, code: number) => {
		process.stderr.write(`${name}: ${why}; stopping\n`);
		void cleanup()
			.catch(() => {})
			.finally(() => process.exit(code));
	};
	process.once('SIGINT', () => stop('SIGINT', 130));
	process.once('SIGTERM', () => stop('SIGTERM', 130));
	const watchdog = setTimeout(() => stop(`over the ${limitMs / 60_000} min limit`, 2), limitMs);
	watchdog.unref();
	try {
		await body();
	} finally {
		clearTimeout(watchdog);
		await cleanup();
	}
}
