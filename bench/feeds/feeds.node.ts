// `npm run bench:feeds`: the feeds under concurrent load on the real worker (wrangler dev: workerd,
// local D1 and Durable Objects) fed by a real reference PDS, and the time one post takes to reach
// 10 000 followers' timelines. Prints figures; asserts only that the answers are right.
// Options (environment): see bench/feeds/README.md.
import { readFileSync } from 'node:fs';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { AtpAgent } from '@atproto/api';
import { Secp256k1Keypair } from '@atproto/crypto';
import { startDevNetwork } from '../../scripts/dev-network.ts';
import { startWorker, type WorkerProcess } from '../../scripts/worker-process.ts';
import { selfSignedIdentity, type Stack } from '../../test/network/harness.ts';
import { paddedMp4 } from '../playback/video-bytes.node.ts';
import { seedDataset, type Dataset } from './dataset.node.ts';
import { syntheticDid, writeFollowers } from './followers.node.ts';
import { profiled } from './profile.node.ts';
import { snapshotWorker } from './snapshot.node.ts';
import { decodeFirst } from '@atcute/cbor';
import {
	boundedRun,
	assertClean,
	bytes,
	envNumber,
	loadTable,
	ms,
	runLoad,
	sleep,
	summarize,
	table,
	until,
	type Summary,
	type LoadResult,
} from './load.node.ts';
import { directWorkerUrl, ourWorkerds, workerdResources, workerdStats, type WorkerdStats } from '../../scripts/processes.ts';

const PORTS = { pds: 3383, plc: 3382, worker: 8796 };
const DATASET = {
	creators: envNumber('BENCH_CREATORS', 20),
	clipsPerCreator: envNumber('BENCH_CLIPS', 10),
	viewers: envNumber('BENCH_VIEWERS', 30),
	followsPerViewer: 8,
	likesPerViewer: 10,
	commentsPerViewer: 3,
	crosspostsPerCreator: 5,
	remixEvery: 5,
	seed: envNumber('BENCH_SEED', 7),
};
const FOLLOWERS = envNumber('BENCH_FOLLOWERS', 10_000);
const SAMPLES = envNumber('BENCH_SAMPLES', 20);
const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP = envNumber('BENCH_WARMUP', 3);
/** Connection counts for the read loads; `0` skips them. */
const CONNECTIONS = (process.env.BENCH_CONNECTIONS || '1,10').split(',').map(Number).filter((n) => n > 0);
/** Which read runs to do, by name (a regular expression; `past` picks only the runs past the dev proxy). */
const READS = new RegExp(process.env.BENCH_READS || '.');
/** Read runs (by name, a regular expression) to run with the worker's CPU profiler on. */
const PROFILE = process.env.BENCH_PROFILE ? new RegExp(process.env.BENCH_PROFILE) : undefined;
/** A third fan-out after this many idle seconds (objects evicted meanwhile); 0 skips it. */
const IDLE_SECONDS = envNumber('BENCH_IDLE', 0);
/** Everything stops by itself after this, whatever state it is in. */
const TIME_LIMIT_MS = envNumber('BENCH_TIME_LIMIT_MIN', 45) * 60_000;
/** The service-auth verifier accepts tokens at most 300 s ahead; each run mints fresh ones. */
const TOKEN_SECONDS = 240;
/** One fan-out run gives up after this. */
const FANOUT_TIMEOUT_MS = envNumber('BENCH_FANOUT_TIMEOUT', 600) * 1000;

const serviceDid = `did:web:localhost%3A${PORTS.worker}`;
const base = `http://127.0.0.1:${PORTS.worker}`;
const feedUri = `at://${serviceDid}/app.bsky.feed.generator/trending`;
const log = (line: string) => process.stderr.write(`${line}\n`);
/** A time in a table cell: milliseconds, or a dash when there is none. */
const cell = (value: number) => (Number.isFinite(value) ? `${ms(value)} ms` : '–');

interface Health {
	ingest: { applied: number; pendingAccounts: number; fanoutPending?: number; connected: boolean };
	mirrorPending?: number;
}

async function getJson<T>(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
	const response = await fetch(`${base}${path}`, { headers });
	return { status: response.status, body: (await response.json()) as T };
}

const health = async () => (await getJson<Health>('/xrpc/_health')).body;

/** The local worker went away in the middle of a run (its workerd processes are gone). */
class WorkerDied extends Error {}
/** A fan-out run that could not finish: out of time, or the worker failed a sampled read. */
class RunFailed extends Error {}

/** Fails fast with WorkerDied when a request fails because the worker's processes are gone. */
async function orWorkerDied<T>(request: () => Promise<T>): Promise<T> {
	try {
		return await request();
	} catch (error) {
		if (ourWorkerds().length < 2) throw new WorkerDied(`the worker's workerd exited (${String(error)})`);
		throw error;
	}
}

async function main(): Promise<void> {
	const started = performance.now();
	log(`bench:feeds — PDS :${PORTS.pds}, PLC :${PORTS.plc}, worker :${PORTS.worker}`);
	const snapshot = await snapshotWorker();
	const network = await startDevNetwork({ pdsPort: PORTS.pds, plcPort: PORTS.plc });
	const persistTo = await mkdtemp(join(tmpdir(), 'dreamreel-bench-feeds-'));
	const vars = {
		PUBLIC_URL: `http://localhost:${PORTS.worker}`,
		FIREHOSE_URL: network.pdsUrl.replace(/^http/, 'ws'),
		PLC_URL: network.plcUrl,
		HANDLE_RESOLVER_URL: network.pdsUrl,
		// Push to every follower, whatever BENCH_FOLLOWERS is: the fan-out runs measure what pushing costs.
		FANOUT_MAX_FOLLOWERS: '1000000',
		// The load comes from one address: the per-address rate limit must not count it.
		RATE_LIMIT_EXEMPT: '127.0.0.1,::1',
	};
	const launch = (extra: Record<string, string> = {}) =>
		startWorker({ port: PORTS.worker, persistTo, quiet: !process.env.DEBUG_WORKER, vars: { ...vars, ...extra } });
	const notYet: WorkerProcess = {
		url: base,
		startIngesting: () => Promise.reject(new Error('the worker has not started')),
		stop: async () => {},
	};
	// The harness's stack shape, so its helpers (self-signed identities) work on this one.
	const stack: Stack = {
		network,
		worker: notYet,
		serviceDid,
		async restartWorker() {
			await stack.worker.stop('SIGKILL');
			stack.worker = await launch();
			await stack.worker.startIngesting();
		},
		async close() {
			await stack.worker.stop('SIGTERM');
			await network.close();
			await rm(persistTo, { recursive: true, force: true });
		},
	};
	const cleanup = async () => {
		await stack.close().catch((error: unknown) => log(`closing the stack: ${String(error)}`));
		await snapshot.release();
	};
	await boundedRun('bench:feeds', TIME_LIMIT_MS, cleanup, () => run(stack, persistTo, launch, started));
}

async function run(stack: Stack, persistTo: string, launch: (extra?: Record<string, string>) => Promise<WorkerProcess>, started: number): Promise<void> {
	// 1. The dataset, through the PDS.
	log('seeding through the PDS…');
	const seedStart = performance.now();
	const data = await seedDataset(stack.network.pdsUrl, DATASET, log);
	const seedMs = performance.now() - seedStart;

	// 2. The star's followers: identities we hold keys for (to read their timelines), spread evenly
	//    through the fan-out order, and synthetic ones for the rest, written to D1 before the start.
	const real = data.viewers.length; // the viewers follow the star through the PDS
	const writtenFollowers = Math.max(SAMPLES, FOLLOWERS - real);
	const samples: Sample[] = [];
	for (let i = 0; i < SAMPLES; i++) samples.push(await selfSignedIdentity(stack, await Secp256k1Keypair.create()));
	const followers = Array.from({ length: writtenFollowers }, (_, i) => syntheticDid(i));
	const samplePositions = samples.map((_, i) => (SAMPLES === 1 ? writtenFollowers - 1 : Math.round((i * (writtenFollowers - 1)) / (SAMPLES - 1))));
	samplePositions.forEach((position, i) => (followers[position] = samples[i]!.did));
	log(`writing ${followers.length} follows of the star into local D1…`);
	const d1Start = performance.now();
	const inD1 = await writeFollowers(persistTo, data.star.assertDid, { followers, known: samples.map((s) => s.did) });
	if (inD1 !== followers.length) throw new Error(`D1 holds ${inD1} follows of the star, expected ${followers.length}`);
	const d1Ms = performance.now() - d1Start;

	// 3. The worker, ingesting everything from the PDS's firehose (cursor 0).
	log('starting the worker and ingesting…');
	const ingestStart = performance.now();
	stack.worker = await launch();
	await stack.worker.startIngesting();
	const settled = await waitSettled(data);
	const ingestMs = performance.now() - ingestStart;
	const healthAfterIngest = await health();
	log(`  settled in ${(ingestMs / 1000).toFixed(1)} s (${healthAfterIngest.ingest.applied} events applied)`);

	await checkAnswers(data);
	const loadBefore = loadavg()[0]!;

	// 4. Read load.
	const reads: LoadResult[] = [];
	const direct = await directWorkerUrl(PORTS.worker, '/.well-known/did.json', (body) => body.includes(serviceDid));
	for (const connections of CONNECTIONS) {
		const specs = await readSpecs(data);
		// The same requests straight to the user worker's workerd, past wrangler dev's proxy: what the proxy costs.
		const past = direct ? specs.filter((spec) => !spec.name.startsWith('getClip')).map((spec) => ({ ...spec, name: `${spec.name} — past the dev proxy`, origin: direct })) : [];
		for (const spec of [...specs, ...past].filter((spec) => READS.test(spec.name))) {
			log(`load: ${spec.name}, ${connections} connection(s), ${SECONDS} s…`);
			const load = () => runLoad({ ...spec, url: `${spec.origin ?? base}${spec.path}`, connections, seconds: SECONDS, warmupSeconds: WARMUP });
			const result = PROFILE?.test(spec.name) ? await withProfile(`${spec.name}, ${connections} connection(s)`, load) : await load();
			assertClean(result);
			reads.push(result);
		}
	}

	const totalFollowers = followers.length + real;
	// Figures so far, before the long part.
	const first: string[] = [];
	first.push('\n## bench:feeds\n');
	first.push(
		table(
			['dataset', 'value'],
			[
				['creators × clips', `${DATASET.creators} × ${DATASET.clipsPerCreator} (${data.clips.length} clips, every ${DATASET.remixEvery}th a remix)`],
				['viewers (signed-in readers)', `${data.viewers.length}, each following ${DATASET.followsPerViewer} creators + the star`],
				['likes / comments', `${data.clips.reduce((n, c) => n + c.likes, 0)} / ${data.clips.reduce((n, c) => n + c.comments, 0)}`],
				['cross-posts (app.bsky.feed.post + embed.video)', data.crossposts.length],
				['records written through the PDS', `${data.writes} in ${(seedMs / 1000).toFixed(1)} s`],
				['star followers', `${totalFollowers}: ${followers.length} written to D1 (${SAMPLES} of them self-signed identities we read as) + ${real} through the PDS`],
				['D1 follow rows written', `${(d1Ms / 1000).toFixed(1)} s (wrangler d1 execute --local)`],
				['ingest from cursor 0 until settled', `${(ingestMs / 1000).toFixed(1)} s, ${healthAfterIngest.ingest.applied} events applied (${settled})`],
			],
		),
	);
	first.push(
		`\nMachine: 2 cores shared with whatever else runs; 1-min load average ${loadBefore.toFixed(1)} before the reads, ${loadavg()[0]!.toFixed(1)} after them.` +
			' Latencies include client and worker contending for the same cores; "workerd CPU ms/req" does not.',
	);
	first.push(`\n### Reads (${SECONDS} s each after ${WARMUP} s warm-up; closed loop, keep-alive; latency = request → last byte)\n`);
	first.push(loadTable(reads));
	const timelineP99 = reads.filter((r) => r.name.startsWith('getTimeline')).map((r) => `${r.name} @${r.connections}: ${ms(r.latency.p99)} ms`);
	first.push(`\ntarget: getTimeline p99 ≤ 10 ms locally — ${timelineP99.join(', ')}`);
	process.stdout.write(`${first.join('\n')}\n`);

	// 5. Fan-out to the star's followers.
	const loadBeforeFanout = loadavg()[0]!;
	const fanouts: FanoutResult[] = [];
	const timelineDir = join(persistTo, 'v3', 'do', 'dreamreel-Timeline');
	const countTimelines = async () => (await readdir(timelineDir).catch(() => [] as string[])).filter((f) => /^[0-9a-f]{64}\.sqlite$/.test(f)).length;
	const timelinesBefore = await countTimelines();
	const cold = await fanout('1 cold: no follower has a Timeline object yet', data, samples, totalFollowers, stack.network.pdsUrl);
	fanouts.push(cold);
	const timelinesAfter = await countTimelines();
	if (!cold.died) fanouts.push(await fanout('2 warm: right after the first', data, samples, totalFollowers, stack.network.pdsUrl));
	if (IDLE_SECONDS > 0 && !cold.died) {
		log(`waiting ${IDLE_SECONDS} s idle…`);
		await sleep(IDLE_SECONDS * 1000);
		fanouts.push(await fanout(`3 after ${IDLE_SECONDS} s idle`, data, samples, totalFollowers, stack.network.pdsUrl));
	}

	// 6. The alternative the worker already has: above FANOUT_MAX_FOLLOWERS a creator is merged into
	//    timelines at read time (fan-in). Same data, the worker restarted with a threshold below the star's.
	const threshold = Math.max(1, Math.floor(totalFollowers / 2));
	log(`restarting the worker with FANOUT_MAX_FOLLOWERS=${threshold}…`);
	await stack.worker.stop('SIGTERM');
	stack.worker = await launch({ FANOUT_MAX_FOLLOWERS: String(threshold) });
	await stack.worker.startIngesting();
	// After a crash the interrupted fan-out is still queued; with the new threshold it drains at once.
	await until('the ingester to reconnect with nothing queued', async () => {
		const now = await health();
		return now.ingest.connected && (now.ingest.fanoutPending ?? 0) === 0 ? true : undefined;
	}, 120_000, 200);
	fanouts.push(await fanout(`fan-in: FANOUT_MAX_FOLLOWERS=${threshold}`, data, samples, totalFollowers, stack.network.pdsUrl));
	const fanInReads: LoadResult[] = [];
	const connections = Math.max(10, ...CONNECTIONS);
	for (const spec of (await readSpecs(data)).filter((spec) => spec.name.startsWith('getTimeline') && !spec.origin)) {
		const name = `${spec.name}, star merged in at read time`;
		log(`load: ${name}, ${connections} connection(s), ${SECONDS} s…`);
		const result = await runLoad({ ...spec, name, url: `${base}${spec.path}`, connections, seconds: SECONDS, warmupSeconds: WARMUP });
		assertClean(result);
		fanInReads.push(result);
	}

	const out: string[] = [];
	out.push(`\n### Fan-out of one post to ${totalFollowers} followers (times from the createRecord call on the PDS)\n`);
	out.push(
		table(
			['run', 'createRecord', 'on firehose', 'getClip 200', 'first sample', 'all samples', 'queue drained', 'done', 'firehose → done', 'slowest read'],
			fanouts.map((f) => [
				f.label,
				cell(f.createdMs),
				cell(f.frameMs ?? NaN),
				cell(f.indexedMs),
				cell(f.firstSampleMs),
				cell(f.allSamplesMs),
				cell(f.drainedMs ?? NaN),
				f.died ? `not done (${cell(f.doneMs)})` : cell(f.doneMs),
				f.died ? '–' : cell(f.doneMs - (f.frameMs ?? NaN)),
				cell(f.slowestReadMs),
			]),
		),
	);
	out.push(`\nReads beside the fan-out (one reader, one request at a time; idle = the 3 s before the post):\n`);
	out.push(
		table(
			['run', 'getClip idle p50 / p99', 'getClip during p50 / p99', 'getTimeline idle p50 / p99', 'getTimeline during p50 / p99', 'p99 during / idle (clip, timeline)'],
			fanouts.map(({ label, probe: { idle, during } }) => [
				label,
				`${cell(idle.getClip.p50)} / ${cell(idle.getClip.p99)}`,
				`${cell(during.getClip.p50)} / ${cell(during.getClip.p99)}`,
				`${cell(idle.getTimeline.p50)} / ${cell(idle.getTimeline.p99)}`,
				`${cell(during.getTimeline.p50)} / ${cell(during.getTimeline.p99)}`,
				`${(during.getClip.p99 / idle.getClip.p99).toFixed(1)}× / ${(during.getTimeline.p99 / idle.getTimeline.p99).toFixed(1)}×`,
			]),
		),
	);
	const fdLimit = (() => {
		try {
			return /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${ourWorkerds()[0]}/limits`, 'utf8'))?.[1] ?? '?';
		} catch {
			return '?';
		}
	})();
	out.push(`\nWhere the time goes (workerd processes, from /proc; per follower = over all followers of the run; open-file limit ${fdLimit}):\n`);
	out.push(
		table(
			['run', 'workerd CPU', 'CPU per follower', 'cores busy', 'write calls / follower', 'bytes written / follower', 'peak open files', 'peak RSS', 'max queue', 'bench process stall'],
			fanouts.map((f) => [
				f.label,
				f.workerd ? `${f.workerd.cpuSeconds.toFixed(2)} s` : '–',
				f.workerd ? `${((f.workerd.cpuSeconds * 1e6) / totalFollowers).toFixed(0)} µs` : '–',
				f.workerd ? (f.workerd.cpuSeconds / (f.doneMs / 1000)).toFixed(2) : '–',
				f.workerd ? (f.workerd.writeCalls / totalFollowers).toFixed(1) : '–',
				f.workerd ? bytes(f.workerd.writeBytes / totalFollowers) : '–',
				f.peakFds,
				bytes(f.peakRssBytes),
				f.maxPending ?? '–',
				`${ms(f.maxLoopStallMs)} ms`,
			]),
		),
	);
	out.push(`\nReads of the timelines of the star's followers with the star merged in at read time (fan-in):\n`);
	out.push(loadTable(fanInReads));
	out.push(
		`\nTimeline objects on disk: ${timelinesBefore} before the cold run, ${timelinesAfter} after it.` +
			fanouts.filter((f) => f.died).map((f) => `\nRun ${f.label}: ${f.died}.`).join('') +
			`\n1-min load average ${loadBeforeFanout.toFixed(1)} before the fan-out runs, ${loadavg()[0]!.toFixed(1)} after.` +
			`\ntarget: one post in ${totalFollowers} followers' timelines ≤ 2 s — ${fanouts.map((f) => `${f.label.split(':')[0]}: ${(f.doneMs / 1000).toFixed(2)} s`).join(', ')}` +
			`\n(total bench time ${((performance.now() - started) / 1000).toFixed(0)} s)`,
	);
	process.stdout.write(`${out.join('\n')}\n`);
}

/** Waits until the index holds the whole dataset: clips with their counts and mirrored videos, cross-posts, no pending work. */
async function waitSettled(data: Dataset): Promise<string> {
	const uris = data.clips.map((clip) => clip.uri);
	const expected = new Map(data.clips.map((clip) => [clip.uri, clip]));
	let lastApplied = -1;
	return until(
		'the index to hold the whole dataset',
		async () => {
			for (let i = 0; i < uris.length; i += 25) {
				const query = uris.slice(i, i + 25).map((uri) => `uris=${encodeURIComponent(uri)}`).join('&');
				const { body } = await getJson<{ clips: { uri: string; likeCount: number; commentCount: number; playback: { state: string } }[] }>(
					`/xrpc/video.dreamreel.getClips?${query}`,
				);
				if (body.clips.length !== Math.min(25, uris.length - i)) return undefined;
				for (const clip of body.clips) {
					const want = expected.get(clip.uri)!;
					if (clip.likeCount !== want.likes || clip.commentCount !== want.comments || clip.playback.state !== 'ready') return undefined;
				}
			}
			const { body: feed } = await getJson<{ feed: { post: string }[] }>(
				`/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(feedUri)}&limit=100`,
			);
			if (feed.feed.length < Math.min(100, data.crossposts.length)) return undefined;
			const now = await health();
			const quiet = now.ingest.pendingAccounts === 0 && (now.ingest.fanoutPending ?? 0) === 0 && (now.mirrorPending ?? 0) === 0;
			const stable = now.ingest.applied === lastApplied;
			lastApplied = now.ingest.applied;
			return quiet && stable ? 'no pending accounts, fan-out or mirror work' : undefined;
		},
		300_000,
		1000,
	);
}

type Clip = { uri: string; author: { did: string }; feedContext?: string };

/** One request of each kind, checked: the load runs then only check status and shape. */
async function checkAnswers(data: Dataset): Promise<void> {
	const viewer = data.viewers[0]!;
	const { status, body } = await getJson<{ clips: Clip[] }>('/xrpc/video.dreamreel.getTimeline?limit=100', await tokenHeader(viewer, 'video.dreamreel.getTimeline'));
	const followed = data.following.get(viewer.assertDid)!;
	const expected = data.clips.filter((clip) => followed.has(clip.author)).length;
	if (status !== 200 || body.clips.length !== Math.min(100, expected) || body.clips.some((clip) => !followed.has(clip.author.did))) {
		throw new Error(`getTimeline: ${status}, ${body.clips?.length} clips (expected ${expected} by followed creators)`);
	}
	const forYou = await getJson<{ clips: Clip[] }>('/xrpc/video.dreamreel.getForYou?limit=30');
	if (forYou.status !== 200 || forYou.body.clips.length !== Math.min(30, data.clips.length) || forYou.body.clips.some((clip) => !clip.feedContext)) {
		throw new Error(`getForYou: ${forYou.status}, ${forYou.body.clips?.length} clips`);
	}
	const crossposts = new Set(data.crossposts);
	const skeleton = await getJson<{ feed: { post: string }[] }>(`/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(feedUri)}&limit=30`);
	if (skeleton.status !== 200 || skeleton.body.feed.length !== Math.min(30, crossposts.size) || skeleton.body.feed.some((item) => !crossposts.has(item.post))) {
		throw new Error(`getFeedSkeleton: ${skeleton.status}, ${skeleton.body.feed?.length} posts`);
	}
}

async function tokenHeader(agent: AtpAgent, lxm: string): Promise<Record<string, string>> {
	const exp = Math.floor(Date.now() / 1000) + TOKEN_SECONDS;
	const { data } = await agent.com.atproto.server.getServiceAuth({ aud: serviceDid, lxm, exp });
	return { authorization: `Bearer ${data.token}` };
}

/** Fresh PDS-minted tokens for every viewer, handed out round-robin, one per request. */
async function rotatingTokens(viewers: AtpAgent[], lxm: string): Promise<() => Record<string, string>> {
	const headers = await Promise.all(viewers.map((viewer) => tokenHeader(viewer, lxm)));
	let next = 0;
	return () => headers[next++ % headers.length]!;
}

interface ReadSpec {
	name: string;
	path: string;
	/** Another origin than the worker's public port. */
	origin?: string;
	headersFor?: () => Record<string, string>;
	verifyBody: (body: string) => boolean;
}

async function readSpecs(data: Dataset): Promise<ReadSpec[]> {
	const skeleton = `/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(feedUri)}&limit=30`;
	const hasClips = (body: string) => body.startsWith('{"clips":[{');
	const hasPosts = (body: string) => body.startsWith('{"feed":[{');
	return [
		{ name: 'did.json (floor: no D1, no auth)', path: '/.well-known/did.json', verifyBody: (body) => body.includes(serviceDid) },
		{
			name: 'getClip (one D1 query, no auth)',
			path: `/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(data.clips[0]!.uri)}`,
			verifyBody: (body) => body.startsWith('{"clip":{'),
		},
		{
			name: 'getTimeline (signed in)',
			path: '/xrpc/video.dreamreel.getTimeline?limit=30',
			headersFor: await rotatingTokens(data.viewers, 'video.dreamreel.getTimeline'),
			verifyBody: hasClips,
		},
		{ name: 'getForYou (anonymous)', path: '/xrpc/video.dreamreel.getForYou?limit=30', verifyBody: hasClips },
		{
			name: 'getForYou (signed in)',
			path: '/xrpc/video.dreamreel.getForYou?limit=30',
			headersFor: await rotatingTokens(data.viewers, 'video.dreamreel.getForYou'),
			verifyBody: hasClips,
		},
		{ name: 'getFeedSkeleton trending (anonymous)', path: skeleton, verifyBody: hasPosts },
		{
			name: 'getFeedSkeleton trending (JWT)',
			path: skeleton,
			headersFor: await rotatingTokens(data.viewers, 'app.bsky.feed.getFeedSkeleton'),
			verifyBody: hasPosts,
		},
	];
}

interface FanoutResult {
	label: string;
	/** createRecord answered by the PDS. */
	createdMs: number;
	/** The commit's frame seen on the PDS's firehose by a client of our own (as the Ingester sees it). */
	frameMs?: number;
	/** getClip answers 200 (polled; reads are slow while a fan-out runs, so this can lag). */
	indexedMs: number;
	firstSampleMs: number;
	allSamplesMs: number;
	drainedMs?: number;
	/** Both the queue drained and every sample saw the clip. */
	doneMs: number;
	maxPending?: number;
	/** The slowest single poll (getClip, _health, a sample's getTimeline) while this ran, ms. */
	slowestReadMs: number;
	/** A reader's latencies (one request at a time): idle just before the post, and during the fan-out. */
	probe: { idle: ProbeLatencies; during: ProbeLatencies };
	workerd: WorkerdStats | null;
	/** The longest this process (client and PDS) could not run its event loop, ms. */
	maxLoopStallMs: number;
	/** Most open files and resident memory of a workerd process during the run (sampled each second). */
	peakFds: number;
	peakRssBytes: number;
	/** Set when the run did not finish: the local worker's processes exited, or it ran out of time. */
	died?: string;
}

type Sample = Awaited<ReturnType<typeof selfSignedIdentity>>;

interface ProbeLatencies {
	getClip: Summary;
	getTimeline: Summary;
}

/**
 * A reader beside the fan-out: getClip of an older clip and a sampled follower's getTimeline, one
 * request at a time, until `stop` says so. What a fan-out does to everyone else's reads.
 */
async function probeReads(clipUri: string, authorization: () => Promise<string>, stop: () => boolean): Promise<ProbeLatencies> {
	const clip: number[] = [];
	const timeline: number[] = [];
	const timedGet = async (into: number[], path: string, headers: Record<string, string> = {}) => {
		const start = performance.now();
		const { status } = await getJson(path, headers);
		if (status === 200) into.push(performance.now() - start);
	};
	while (!stop()) {
		await timedGet(clip, `/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clipUri)}`).catch(() => {});
		await timedGet(timeline, '/xrpc/video.dreamreel.getTimeline?limit=30', { authorization: `Bearer ${await authorization()}` }).catch(() => {});
	}
	return { getClip: summarize(clip), getTimeline: summarize(timeline) };
}

/** Frames of the PDS's firehose as a client of our own receives them, by the record paths they carry. */
function watchFirehose(pdsUrl: string): { seen: Map<string, number>; close(): void } {
	const seen = new Map<string, number>();
	const socket = new WebSocket(`${pdsUrl.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos`);
	socket.binaryType = 'arraybuffer';
	socket.addEventListener('message', (event) => {
		const at = performance.now();
		try {
			const [header, rest] = decodeFirst(new Uint8Array(event.data as ArrayBuffer)) as [{ t?: string }, Uint8Array];
			if (header.t !== '#commit') return;
			const body = decodeFirst(rest)[0] as { repo: string; ops?: { path: string }[] };
			for (const op of body.ops ?? []) seen.set(`at://${body.repo}/${op.path}`, at);
		} catch {
			// not a frame we read
		}
	});
	return { seen, close: () => socket.close() };
}

/**
 * The star posts a clip; the clock runs from createRecord until the Ingester's fan-out queue is empty
 * (`/xrpc/_health`) and every sampled follower's timeline shows the clip. Samples are read one at a
 * time, so the watching adds little load to the worker doing the fan-out.
 */
async function fanout(label: string, data: Dataset, samples: Sample[], followers: number, pdsUrl: string): Promise<FanoutResult> {
	log(`fan-out ${label}…`);
	const star = data.star;
	// A cold fan-out can outlast a token: they are re-signed every two minutes.
	let tokens: string[] = [];
	let mintedAt = 0;
	const token = async (i: number) => {
		if (Date.now() - mintedAt > 120_000) {
			const now = Math.floor(Date.now() / 1000);
			tokens = await Promise.all(samples.map((sample) => sample.sign('video.dreamreel.getTimeline', undefined, { iat: now, exp: now + TOKEN_SECONDS })));
			mintedAt = Date.now();
		}
		return tokens[i]!;
	};
	let slowestReadMs = 0;
	const timed = async <T>(request: () => Promise<T>): Promise<T> => {
		const start = performance.now();
		try {
			return await request();
		} finally {
			slowestReadMs = Math.max(slowestReadMs, performance.now() - start);
		}
	};
	const read = async (i: number) => {
		const authorization = `Bearer ${await token(i)}`;
		return timed(() => orWorkerDied(() => getJson<{ clips: Clip[] }>('/xrpc/video.dreamreel.getTimeline?limit=5', { authorization })));
	};
	for (let i = 0; i < samples.length; i++) {
		const { status } = await read(i);
		if (status !== 200) throw new Error(`sample follower ${i}: getTimeline answered ${status}`);
	}
	const before = await health();
	const tracksQueue = before.ingest.fanoutPending !== undefined;
	if ((before.ingest.fanoutPending ?? 0) !== 0) throw new Error(`fan-out queue not empty before the run: ${before.ingest.fanoutPending}`);
	const { data: upload } = await star.uploadBlob(await paddedMp4('gradients', `star-${label}`), { encoding: 'video/mp4' });
	const firehose = watchFirehose(pdsUrl);
	await sleep(500); // subscribed before the clock starts
	const probeClip = data.clips[0]!.uri;
	const probeToken = () => token(samples.length - 1);
	const idleUntil = performance.now() + 3000;
	const idle = await probeReads(probeClip, probeToken, () => performance.now() > idleUntil);
	slowestReadMs = 0;

	const statsBefore = workerdStats();
	const loopDelay = monitorEventLoopDelay({ resolution: 10 });
	loopDelay.enable();
	const t0 = performance.now();
	const elapsed = () => performance.now() - t0;
	const created = await star.com.atproto.repo.createRecord({
		repo: star.assertDid,
		collection: 'video.dreamreel.clip',
		record: {
			$type: 'video.dreamreel.clip',
			video: upload.blob,
			prompt: 'the star’s new clip',
			generator: { provider: 'demo', model: 'demo-titlecard-1' },
			durationMs: 3000,
			aspectRatio: { width: 9, height: 16 },
			createdAt: new Date().toISOString(),
		},
	});
	const createdMs = elapsed();
	const uri = created.data.uri;
	const trace = process.env.BENCH_TRACE ? (what: string) => log(`    ${ms(elapsed())} ms ${what}`) : () => {};
	const deadline = Date.now() + FANOUT_TIMEOUT_MS;
	let aborted = false;
	const overdue = (what: string) => {
		if (aborted) throw new Error('aborted');
		if (Date.now() > deadline) throw new RunFailed(`${what} not done after ${FANOUT_TIMEOUT_MS / 1000} s`);
	};
	const peak = { fds: 0, rssBytes: 0 };
	const sampleResources = () => {
		const now = workerdResources();
		peak.fds = Math.max(peak.fds, now.fds);
		peak.rssBytes = Math.max(peak.rssBytes, now.rssBytes);
	};
	// Every 250 ms, and once more at the end: a fan-in run is over in under a second.
	const resources = setInterval(sampleResources, 250);

	let indexedMs: number | undefined;
	const indexed = (async () => {
		for (;;) {
			const { status } = await timed(() => orWorkerDied(() => getJson(`/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(uri)}`)));
			trace(`getClip ${status}`);
			if (status === 200) return (indexedMs = elapsed());
			overdue('indexing');
			await sleep(5);
		}
	})();
	let maxPending = 0;
	const drained = (async () => {
		if (!tracksQueue) return undefined;
		for (;;) {
			const pending = (await timed(() => orWorkerDied(health))).ingest.fanoutPending ?? 0;
			trace(`fanoutPending ${pending}`);
			maxPending = Math.max(maxPending, pending);
			if (indexedMs !== undefined && pending === 0) return elapsed();
			overdue('draining the queue');
			await sleep(10);
		}
	})();
	let probing = true;
	const during = probeReads(probeClip, probeToken, () => !probing);
	const seenAt: (number | undefined)[] = samples.map(() => undefined);
	const sampled = (async () => {
		while (seenAt.some((at) => at === undefined)) {
			for (let i = 0; i < samples.length; i++) {
				if (seenAt[i] !== undefined) continue;
				const { status, body } = await read(i);
				if (status !== 200) throw new RunFailed(`sample follower ${i}: getTimeline answered ${status} (${JSON.stringify(body).slice(0, 120)})`);
				if (body.clips.some((clip) => clip.uri === uri)) seenAt[i] = elapsed();
				trace(`sample ${i} ${seenAt[i] === undefined ? 'not yet' : 'has it'}`);
			}
			overdue('reaching every sampled timeline');
			await sleep(10);
		}
	})();
	let drainedMs: number | undefined;
	let died: string | undefined;
	try {
		[, drainedMs] = await Promise.all([indexed, drained, sampled]);
	} catch (error) {
		aborted = true;
		if (!(error instanceof WorkerDied || error instanceof RunFailed)) throw error;
		died = error instanceof RunFailed ? `${error.message} at ${(elapsed() / 1000).toFixed(0)} s` : `${error.message.slice(0, 200)} after ${(elapsed() / 1000).toFixed(0)} s`;
		log(`  ${died}`);
	} finally {
		clearInterval(resources);
		sampleResources();
		probing = false;
	}
	const probe = { idle, during: await during };
	const doneMs = died ? elapsed() : Math.max(drainedMs ?? 0, ...seenAt.map(Number));
	const statsAfter = workerdStats();
	loopDelay.disable();
	firehose.close();
	const frameAt = firehose.seen.get(uri);
	const times = seenAt.map(Number);
	const result: FanoutResult = {
		label,
		createdMs,
		...(frameAt !== undefined ? { frameMs: frameAt - t0 } : {}),
		indexedMs: indexedMs!,
		firstSampleMs: Math.min(...times.filter(Number.isFinite)),
		allSamplesMs: Math.max(...times),
		...(drainedMs !== undefined ? { drainedMs, maxPending } : {}),
		doneMs,
		slowestReadMs,
		probe,
		workerd:
			!died && statsBefore && statsAfter
				? {
						cpuSeconds: statsAfter.cpuSeconds - statsBefore.cpuSeconds,
						writeCalls: statsAfter.writeCalls - statsBefore.writeCalls,
						writeBytes: statsAfter.writeBytes - statsBefore.writeBytes,
					}
				: null,
		maxLoopStallMs: loopDelay.max / 1e6,
		peakFds: peak.fds,
		peakRssBytes: peak.rssBytes,
		...(died ? { died } : {}),
	};
	log(`  done in ${ms(doneMs)} ms (${followers} followers)`);
	return result;
}

/** `load` under the worker's CPU profiler; its hotspots go to stdout with the tables. */
async function withProfile(name: string, load: () => Promise<LoadResult>): Promise<LoadResult> {
	const { result, hotspots } = await profiled(load);
	const perRequest = (msTotal: number) => (msTotal / (result.requests || 1)).toFixed(3);
	console.log(`\n#### CPU profile of the user worker: ${name} (JavaScript time, warm-up included: the top by self time, then our own functions by time with callees)\n`);
	const rows = hotspots.map((h) => [h.what, h.selfMs.toFixed(0), `${(h.share * 100).toFixed(1)} %`, perRequest(h.selfMs), perRequest(h.totalMs)]);
	console.log(table(['function', 'self ms', 'self share', 'self ms per measured request', 'with callees, ms per request'], rows));
	return result;
}

await main();
