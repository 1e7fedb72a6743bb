/**
 * The end-to-end ingest benchmark: the real worker under `wrangler dev` follows a relay
 * (`relay+ws://`) that replays the generated network mix over a WebSocket as
 * `com.atproto.sync.subscribeRepos`, with everything the Ingester does switched on (commit
 * verification, the outbox, fan-out, the video mirror, discovery and backfill). The same local server
 * answers as the PLC directory (each repo's DID document) and as every repo's PDS (empty repos, no
 * blobs), so nothing leaves the machine. Progress is read from the cursor in `_health`.
 *
 * Phases on one worker: at maximum rate with flow control (events/s, events per workerd CPU-second),
 * then at fixed rates (lag p50/p99/max while they last); workerd's RSS and open files are sampled
 * throughout. No assertions: it prints figures.
 *
 * `npm run bench:ingest:e2e`; environment: BENCH_EVENTS (20000, the maximum-rate phase),
 * BENCH_RATES ("2000" events/s; comma-separated, e.g. "2000,5000"), BENCH_STEADY_SECONDS (60 per rate; the
 * target is read at 300), BENCH_PROFILE (1: profile the maximum-rate phase; `steady`: the fixed-rate phases). Generating the stream takes about 1 ms per event (signed commits, real trees).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { WebSocketServer, type WebSocket } from 'ws';
import { startWorker } from '../../scripts/worker-process.ts';
import { fixtureDidDocument } from '../../test/fixtures/frames.ts';
import { quote, wranglerD1 } from '../feeds/followers.node.ts';
import { sleep, summarize } from '../feeds/load.node.ts';
import { workerdCpuSeconds, workerdResources } from '../../scripts/processes.ts';
import { profiled, type Hotspot } from '../feeds/profile.node.ts';
import { snapshotWorker } from '../feeds/snapshot.node.ts';
import { generateStream, type Stream, type StreamOptions } from './stream.worker.ts';

const PORTS = { relay: 9390, worker: 8830 };
const option = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const maxEvents = option('BENCH_EVENTS', 20_000);
const rates = (process.env.BENCH_RATES ?? '2000').split(',').filter(Boolean).map(Number);
const steadySeconds = option('BENCH_STEADY_SECONDS', 60);
/** BENCH_PROFILE=1 (or `max`): the maximum-rate phase runs under the user worker's CPU profiler (slower), hotspots printed; `steady`: the fixed-rate phases. */
const profile = process.env.BENCH_PROFILE === 'steady' ? 'steady' : process.env.BENCH_PROFILE ? 'max' : undefined;
const hotspots: Hotspot[] = [];
const RELAY = `http://localhost:${PORTS.relay}`;
/** Frames queued in the socket beyond which the maximum-rate phase waits (flow control). */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// 1. The stream: the maximum-rate phase, then each fixed rate's share, generated before any clock starts.
const total = maxEvents + rates.reduce((n, rate) => n + rate * steadySeconds, 0);
console.log(`generating ${fmt(total)} events…`);
const generated = performance.now();
const stream = await cachedStream({ events: total, seed: 1, authors: 20_000, dreamreelUsers: 400 });
console.log(`generated in ${fmt((performance.now() - generated) / 1000, 1)} s`);

/**
 * The generated stream, kept in the temporary directory under a key of its options and of the
 * generator's sources, so a second run with the same options skips the minutes of signing.
 */
async function cachedStream(options: StreamOptions): Promise<Stream> {
	const sources = await Promise.all(['./stream.worker.ts', '../../test/fixtures/frames.ts'].map((path) => readFile(new URL(path, import.meta.url))));
	const key = createHash('sha256').update(JSON.stringify(options));
	for (const source of sources) key.update(source);
	const file = join(tmpdir(), `dreamreel-bench-stream-${key.digest('hex').slice(0, 16)}.v8`);
	const kept = await readFile(file).catch(() => undefined);
	if (kept) return deserialize(kept) as Stream;
	const stream = await generateStream(options);
	await writeFile(file, serialize(stream));
	return stream;
}

// 2. The relay (replaying what was released so far, from any cursor), the directory and the PDS.
let released = 0;
const subscribers = new Set<WebSocket>();
const server = createServer((request, response) => {
	const url = new URL(request.url ?? '/', RELAY);
	const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
	// The PLC resolver asks for /did%3Aplc%3A…: the path is read decoded.
	const path = decodeURIComponent(url.pathname);
	if (path.startsWith('/did:')) {
		void fixtureDidDocument(path.slice(1), RELAY).then((document) => json(200, document));
	} else if (url.pathname === '/xrpc/com.atproto.sync.getLatestCommit') {
		json(200, { cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm', rev: '3m2222222222a' });
	} else if (url.pathname === '/xrpc/com.atproto.repo.describeRepo') {
		json(200, { did: url.searchParams.get('repo'), collections: [] });
	} else if (url.pathname === '/xrpc/com.atproto.repo.listRecords') {
		json(200, { records: [] });
	} else if (url.pathname === '/xrpc/com.atproto.sync.getRepoStatus') {
		json(200, { did: url.searchParams.get('did'), active: true });
	} else {
		json(400, { error: 'NotFound', message: 'nothing here' });
	}
});
const relay = new WebSocketServer({ server, path: '/xrpc/com.atproto.sync.subscribeRepos' });
relay.on('connection', (socket, request) => {
	const cursor = Number(new URL(request.url ?? '/', RELAY).searchParams.get('cursor') ?? 0);
	for (let seq = cursor + 1; seq <= released; seq++) socket.send(stream.frames[seq - 1]!);
	subscribers.add(socket);
	socket.on('close', () => subscribers.delete(socket));
});
await new Promise<void>((resolve) => server.listen(PORTS.relay, '127.0.0.1', resolve));

function release(count: number): void {
	const until = Math.min(stream.frames.length, released + count);
	for (; released < until; released++) for (const socket of subscribers) socket.send(stream.frames[released]!);
}
const buffered = () => Math.max(0, ...[...subscribers].map((socket) => socket.bufferedAmount));

// 3. The worker, frozen from the sources as they are now.
const snapshot = await snapshotWorker();
const persistTo = await mkdtemp(join(tmpdir(), 'dreamreel-bench-ingest-'));
// Dreamreel's users read their timelines here (the rows a first read leaves): fan-out pushes to them,
// and to nobody else the stream's follows name.
wranglerD1(persistTo, ['migrations', 'apply', 'DB']);
const readers = stream.dreamreelUsers.map((did) => `(${quote(did)}, '2026-01-01T00:00:00Z', 1)`);
wranglerD1(persistTo, ['execute', 'DB', '--command', `INSERT INTO timeline_readers (did, since, built) VALUES ${readers.join(', ')}`]);
const worker = await startWorker({
	port: PORTS.worker,
	persistTo,
	quiet: !process.env.DEBUG_WORKER,
	vars: { FIREHOSE_URL: `relay+ws://localhost:${PORTS.relay}`, PLC_URL: RELAY, HANDLE_RESOLVER_URL: RELAY, PUBLIC_URL: `http://localhost:${PORTS.worker}` },
});

/** CPU of our workerd processes, and the largest one's memory and open files (bench/feeds's /proc readers). */
function usage(): { cpuSeconds: number; rssMb: number; openFiles: number } {
	const { fds, rssBytes } = workerdResources();
	return { cpuSeconds: workerdCpuSeconds() ?? Number.NaN, rssMb: rssBytes / 2 ** 20, openFiles: fds };
}

type Ingest = { cursor: number | null; pendingAccounts: number; pendingProofs: number; fanoutPending: number; lastError: string | null };
const ingest = async () => ((await (await fetch(`${worker.url}/xrpc/_health`)).json()) as { ingest: Ingest }).ingest;
const cursor = async () => (await ingest()).cursor ?? 0;
const peaks = { rssMb: 0, openFiles: 0 };
async function sample(): Promise<{ cursor: number; cpuSeconds: number }> {
	const at = await cursor();
	const use = usage();
	peaks.rssMb = Math.max(peaks.rssMb, use.rssMb);
	peaks.openFiles = Math.max(peaks.openFiles, use.openFiles);
	return { cursor: at, cpuSeconds: use.cpuSeconds };
}

/**
 * Every 10 s, a line: the rate over the last 10 s beside the queues of work the stream leaves behind,
 * so a run that slows down shows whether the stream or the work beside it took the time.
 */
const PROGRESS_MS = 10_000;
function progress(): () => void {
	let last = { at: performance.now(), cursor: 0, cpuSeconds: usage().cpuSeconds, error: null as string | null };
	const began = last.at;
	console.log('  time  cursor  events/s  per CPU-s  accounts  proofs  fan-out  RSS MB  load  sockets');
	const timer = setInterval(() => {
		void ingest().then((now) => {
			const at = performance.now();
			const use = usage();
			const events = (now.cursor ?? 0) - last.cursor;
			const cells = [
				fmt((at - began) / 1000).padStart(5) + ' s',
				fmt(now.cursor ?? 0).padStart(7),
				fmt(events / ((at - last.at) / 1000)).padStart(8),
				fmt(events / (use.cpuSeconds - last.cpuSeconds)).padStart(10),
				fmt(now.pendingAccounts).padStart(8),
				fmt(now.pendingProofs).padStart(6),
				fmt(now.fanoutPending).padStart(7),
				fmt(use.rssMb).padStart(6),
				loadavg()[0]!.toFixed(2).padStart(5),
				String(subscribers.size).padStart(7),
			];
			const news = now.lastError !== last.error ? `  ${now.lastError}` : '';
			console.log(cells.join('  ') + news);
			last = { at, cursor: now.cursor ?? 0, cpuSeconds: use.cpuSeconds, error: now.lastError };
		});
	}, PROGRESS_MS);
	return () => clearInterval(timer);
}

const loadBefore = loadavg();
let stopProgress = () => {};
const rows: string[][] = [['phase', 'events', 'seconds', 'events/s', 'per workerd CPU-s', 'lag p50', 'lag p99', 'lag max']];
try {
	await worker.startIngesting();
	await sleep(1000);
	stopProgress = progress();

	// Maximum rate: frames go out as fast as the socket drains; done when the cursor reaches the last.
	const maximumRate = async () => {
		const start = await sample();
		const startedAt = performance.now();
		const target = maxEvents;
		while (released < target) {
			release(Math.min(500, target - released));
			while (buffered() > HIGH_WATER_BYTES) await sleep(1);
		}
		let now = start;
		const deadline = Date.now() + 15 * 60_000;
		while (now.cursor < target) {
			if (Date.now() > deadline) throw new Error(`the cursor is at ${now.cursor} of ${target} after 15 minutes`);
			await sleep(250);
			now = await sample();
		}
		const seconds = (performance.now() - startedAt) / 1000;
		rows.push([`maximum rate${profile === 'max' ? ' (profiled)' : ''}`, fmt(target), fmt(seconds, 1), fmt(target / seconds), fmt(target / (now.cpuSeconds - start.cpuSeconds)), '–', '–', '–']);
	};
	if (profile === 'max') hotspots.push(...(await profiled(maximumRate, undefined, 30)).hotspots);
	else await maximumRate();

	// Fixed rates: released every 10 ms; lag = released − cursor, sampled every 250 ms.
	const fixedRates = async () => {
		for (const rate of rates) {
			const from = await sample();
			const began = performance.now();
			const lags: number[] = [];
			const first = released;
			const sampler = setInterval(() => void cursor().then((at) => lags.push(released - at)), 250);
			while (performance.now() - began < steadySeconds * 1000) {
				release(first + Math.floor(((performance.now() - began) / 1000) * rate) - released);
				await sleep(10);
			}
			clearInterval(sampler);
			const to = await sample();
			const sent = released - first;
			const lag = summarize(lags);
			rows.push([
				`${fmt(rate)} events/s for ${steadySeconds} s`,
				fmt(sent),
				fmt(steadySeconds),
				fmt((to.cursor - from.cursor) / steadySeconds),
				fmt((to.cursor - from.cursor) / (to.cpuSeconds - from.cpuSeconds)),
				`${fmt(lag.p50)} ev = ${fmt(lag.p50 / rate, 2)} s`,
				`${fmt(lag.p99)} ev = ${fmt(lag.p99 / rate, 2)} s`,
				`${fmt(lag.max)} ev`,
			]);
		}
	};
	if (profile === 'steady') hotspots.push(...(await profiled(fixedRates, undefined, 30)).hotspots);
	else await fixedRates();
} finally {
	stopProgress();
	const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
	console.log(
		[
			`\nEnd-to-end ingest: the worker under wrangler dev following a relay of the generated network mix (${fmt(stream.frames.length)} frames, ${fmt(stream.repos.length)} repos)`,
			`machine load average before: ${loadBefore.map((n) => n.toFixed(2)).join(' ')}`,
			...rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')),
			`largest workerd process: peak RSS ${fmt(peaks.rssMb)} MB, peak open files ${fmt(peaks.openFiles)}`,
			...(hotspots.length > 0
				? [
						`\nCPU profile of the user worker during the ${profile === 'steady' ? 'fixed-rate phases' : 'maximum-rate phase'} (self time, and time with callees on the stack):`,
						...hotspots.map((h) => `${fmt(h.selfMs).padStart(7)} ms  ${fmt(h.share * 100, 1).padStart(5)} %  ${fmt(h.totalMs).padStart(7)} ms  ${h.what}`),
					]
				: []),
		].join('\n'),
	);
	await worker.stop('SIGTERM');
	relay.close();
	server.close();
	await snapshot.release();
	await rm(persistTo, { recursive: true, force: true });
}
