// `npm run bench:playback`: time to first byte and throughput of `GET /video/:cid` on the real worker
// (wrangler dev: workerd, local R2 and Workers Cache), cold (first plays, from R2) and edge-cached,
// whole files and byte ranges. The videos get into R2 the real way: clips with video blobs posted to
// a reference PDS, copied by the Mirror DO. Prints figures; asserts only that the answers are right.
// Options (environment): see bench/playback/README.md.
import { createHash } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AtpAgent } from '@atproto/api';
import { createAccount, startStack, type Stack } from '../../test/network/harness.ts';
import {
	assertClean,
	boundedRun,
	bytes,
	envNumber,
	loadTable,
	ms,
	pool,
	runLoad,
	sleep,
	summarize,
	table,
	until,
	type LoadResult,
	type Summary,
} from '../feeds/load.node.ts';
import { snapshotWorker } from '../feeds/snapshot.node.ts';
import { directWorkerUrl } from '../../scripts/processes.ts';
import { paddedMp4 } from './video-bytes.node.ts';

const PORTS = { pds: 3483, plc: 3482, worker: 8797 };
const LARGE_BYTES = Math.round(envNumber('BENCH_VIDEO_MB', 4) * 1024 * 1024);
const COLD_SAMPLES = envNumber('BENCH_COLD', 5);
const BURST = envNumber('BENCH_BURST', 16);
const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP = envNumber('BENCH_WARMUP', 2);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS || '1,16').split(',').map(Number);
const TIME_LIMIT_MS = envNumber('BENCH_TIME_LIMIT_MIN', 15) * 60_000;
/** What a player asks for: the first MiB when it starts, 64 KiB somewhere in the middle on a seek. */
const FIRST_MIB = { start: 0, end: 1024 * 1024 - 1 };
const SEEK = { start: 1024 * 1024, end: 1024 * 1024 + 64 * 1024 - 1 };

const base = `http://127.0.0.1:${PORTS.worker}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Video {
	name: string;
	bytes: Uint8Array;
	uri: string;
	cid: string;
	/** `/video/<cid>`, as getClip's playback.mp4 gives it. */
	path: string;
}

async function main(): Promise<void> {
	const started = performance.now();
	log(`bench:playback — PDS :${PORTS.pds}, PLC :${PORTS.plc}, worker :${PORTS.worker}`);
	const snapshot = await snapshotWorker();
	let stack: Stack | undefined;
	const cleanup = async () => {
		await stack?.close().catch((error: unknown) => log(`closing the stack: ${String(error)}`));
		await snapshot.release();
	};
	await boundedRun('bench:playback', TIME_LIMIT_MS, cleanup, async () => {
		// The load comes from one address: the per-address rate limit must not count it.
		stack = await startStack(PORTS, { RATE_LIMIT_EXEMPT: '127.0.0.1,::1' });
		await run(stack, started);
	});
}

async function run(stack: Stack, started: number): Promise<void> {
	const author = await createAccount(stack.network.pdsUrl, 'player');
	// Distinct videos: every cold measurement needs one that was never played.
	const plan = [
		{ name: 'small-warm', base: 'mandelbrot' as const, size: 0 },
		{ name: 'large-warm', base: 'mandelbrot' as const, size: LARGE_BYTES },
		{ name: 'large-burst', base: 'mandelbrot' as const, size: LARGE_BYTES },
		...Array.from({ length: COLD_SAMPLES }, (_, i) => [
			{ name: `small-cold-${i}`, base: 'mandelbrot' as const, size: 0 },
			{ name: `large-cold-${i}`, base: 'mandelbrot' as const, size: LARGE_BYTES },
			{ name: `large-cold-range-${i}`, base: 'mandelbrot' as const, size: LARGE_BYTES },
		]).flat(),
	];
	log(`posting ${plan.length} clips (${bytes(LARGE_BYTES)} and ~${bytes((await paddedMp4('mandelbrot', 'x')).length)} videos)…`);
	const postStart = performance.now();
	const videos = await pool(plan, 3, async ({ name, base: sample, size }) => post(author, name, await paddedMp4(sample, `playback-${name}`, size)));
	const byName = new Map(videos.map((video) => [video.name, video]));
	const video = (name: string) => byName.get(name)!;
	const postMs = performance.now() - postStart;

	log('waiting for the Mirror to copy them to R2…');
	const mirrorStart = performance.now();
	await until(
		'every clip to be ready with an mp4 URL',
		async () => {
			for (let i = 0; i < videos.length; i += 25) {
				const query = videos.slice(i, i + 25).map((v) => `uris=${encodeURIComponent(v.uri)}`).join('&');
				const response = await fetch(`${base}/xrpc/video.dreamreel.getClips?${query}`);
				const body = (await response.json()) as { clips: { uri: string; playback: { state: string; mp4?: string } }[] };
				if (body.clips.length !== Math.min(25, videos.length - i)) return undefined;
				for (const clip of body.clips) {
					const mine = videos.find((v) => v.uri === clip.uri)!;
					if (clip.playback.state !== 'ready' || !clip.playback.mp4) return undefined;
					if (new URL(clip.playback.mp4).pathname !== mine.path) throw new Error(`${clip.uri}: mp4 ${clip.playback.mp4}, expected ${mine.path}`);
				}
			}
			return true;
		},
		180_000,
		500,
	);
	const mirrorMs = performance.now() - mirrorStart;

	// Correctness first: the bytes, the ranges, the headers.
	await checkAnswers(video('small-warm'), video('large-warm'));
	const loadBefore = loadavg()[0]!;

	// Cold: the first play of a video nobody played yet is served from R2 while the cache fills.
	log('cold requests…');
	const cold = {
		small: await firstPlays(videos.filter((v) => v.name.startsWith('small-cold-')), undefined),
		large: await firstPlays(videos.filter((v) => v.name.startsWith('large-cold-') && !v.name.includes('range')), undefined),
		range: await firstPlays(videos.filter((v) => v.name.startsWith('large-cold-range-')), FIRST_MIB),
	};
	const burst = await burstOfFirstPlays(video('large-burst'), BURST);

	// Warm: fill the cache, check it answers hits, then load.
	for (const v of [video('small-warm'), video('large-warm')]) await warm(v);
	const direct = await directWorkerUrl(PORTS.worker, video('small-warm').path, (body) => body.length > 0);
	const results: LoadResult[] = [];
	const small = video('small-warm');
	const large = video('large-warm');
	const specs = [
		{ name: `small (${bytes(small.bytes.length)}) whole file`, video: small, range: undefined },
		{ name: `large (${bytes(large.bytes.length)}) whole file`, video: large, range: undefined },
		{ name: 'large, Range first 1 MiB', video: large, range: FIRST_MIB },
		{ name: 'large, Range 64 KiB mid-file', video: large, range: SEEK },
	];
	for (const connections of CONNECTIONS) {
		const runs = [
			...specs.map((spec) => ({ ...spec, origin: base })),
			...(direct ? specs.filter((spec) => spec.video === large).map((spec) => ({ ...spec, name: `${spec.name} — past the dev proxy`, origin: direct })) : []),
		];
		for (const spec of runs) {
			log(`load: ${spec.name}, ${connections} connection(s), ${SECONDS} s…`);
			const result = await runLoad({
				name: spec.name,
				url: `${spec.origin}${spec.video.path}`,
				connections,
				seconds: SECONDS,
				warmupSeconds: WARMUP,
				...(spec.range ? { headers: { range: `bytes=${spec.range.start}-${spec.range.end}` } } : {}),
			});
			assertClean(result, [spec.range ? 206 : 200]);
			const expected = spec.range ? spec.range.end - spec.range.start + 1 : spec.video.bytes.length;
			const perResponse = result.bytesPerSecond / result.rps;
			if (Math.abs(perResponse - expected) > 2048) throw new Error(`${spec.name}: ${perResponse.toFixed(0)} bytes per response, expected ${expected} + headers`);
			results.push(result);
		}
	}

	const out: string[] = [];
	out.push('\n## bench:playback\n');
	out.push(
		table(
			['setup', 'value'],
			[
				['videos', `${videos.length} clips posted to the PDS (${bytes(LARGE_BYTES)} and ${bytes(small.bytes.length)} MP4s, each its own blob) in ${(postMs / 1000).toFixed(1)} s`],
				['mirrored to R2 (getClip playback ready)', `${(mirrorMs / 1000).toFixed(1)} s after the last post`],
				['machine', `2 cores shared with whatever else runs; 1-min load average ${loadBefore.toFixed(1)} before the requests, ${loadavg()[0]!.toFixed(1)} after`],
			],
		),
	);
	out.push('\n### Cold: first play of a video, from R2 (one request at a time, fresh connection each)\n');
	out.push(
		table(
			['request', 'n', 'cache', 'TTFB p50', 'TTFB max', 'total p50', 'total max', 'then warm: TTFB p50', 'then warm: total p50'],
			[
				coldRow(`small (${bytes(small.bytes.length)}) whole file`, cold.small),
				coldRow(`large (${bytes(large.bytes.length)}) whole file`, cold.large),
				coldRow('large, Range first 1 MiB', cold.range),
			],
		),
	);
	out.push(`\n${BURST} simultaneous first plays of one large video (fresh connections): caches ${JSON.stringify(burst.cache)}, TTFB p50 ${ms(burst.ttfb.p50)} ms, max ${ms(burst.ttfb.max)} ms; whole file p50 ${ms(burst.total.p50)} ms, max ${ms(burst.total.max)} ms.`);
	out.push(`\n### Edge-cached under load (${SECONDS} s each after ${WARMUP} s warm-up; closed loop, keep-alive; TTFB = request → response headers)\n`);
	out.push(loadTable(results, true));
	out.push('\nx-dreamreel-cache during the loads: ' + results.map((r) => `${r.name} @${r.connections}: ${JSON.stringify(r.cache)}`).join('; '));
	const warmTtfb = results.filter((r) => !r.name.includes('past the dev proxy'));
	out.push(
		`\ntarget: first byte ≤ 50 ms locally with the cache warm — TTFB p99 ${warmTtfb.map((r) => `${r.name} @${r.connections}: ${ms(r.ttfb.p99)} ms`).join(', ')}` +
			`\n(total bench time ${((performance.now() - started) / 1000).toFixed(0)} s)`,
	);
	process.stdout.write(`${out.join('\n')}\n`);
}

async function post(agent: AtpAgent, name: string, bytes: Uint8Array): Promise<Video> {
	const { data: upload } = await agent.uploadBlob(bytes, { encoding: 'video/mp4' });
	const { data } = await agent.com.atproto.repo.createRecord({
		repo: agent.assertDid,
		collection: 'video.dreamreel.clip',
		record: {
			$type: 'video.dreamreel.clip',
			video: upload.blob,
			prompt: `playback benchmark: ${name}`,
			generator: { provider: 'demo', model: 'demo-titlecard-1' },
			durationMs: 3000,
			aspectRatio: { width: 9, height: 16 },
			labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }] },
			createdAt: new Date().toISOString(),
		},
	});
	const cid = upload.blob.ref.toString();
	return { name, bytes, uri: data.uri, cid: data.cid, path: `/video/${cid}` };
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function checkAnswers(small: Video, large: Video): Promise<void> {
	for (const v of [small, large]) {
		const response = await fetch(`${base}${v.path}`);
		const body = new Uint8Array(await response.arrayBuffer());
		if (response.status !== 200 || response.headers.get('content-type') !== 'video/mp4' || sha256(body) !== sha256(v.bytes)) {
			throw new Error(`${v.name}: ${response.status}, ${body.length} bytes, not the posted video`);
		}
	}
	for (const range of [FIRST_MIB, SEEK]) {
		const response = await fetch(`${base}${large.path}`, { headers: { range: `bytes=${range.start}-${range.end}` } });
		const body = new Uint8Array(await response.arrayBuffer());
		const want = large.bytes.subarray(range.start, range.end + 1);
		if (response.status !== 206 || response.headers.get('content-range') !== `bytes ${range.start}-${range.end}/${large.bytes.length}` || sha256(body) !== sha256(want)) {
			throw new Error(`${large.name} range ${range.start}-${range.end}: ${response.status} ${response.headers.get('content-range')}`);
		}
	}
}

interface Play {
	ttfb: number;
	total: number;
	cache: string;
}

/** One request on a fresh connection (as a first play opens one): time to the response headers, and to the last byte. */
function play(path: string, range?: { start: number; end: number }): Promise<Play> {
	return new Promise((resolve, reject) => {
		const start = performance.now();
		const request = httpGet(
			`${base}${path}`,
			{ agent: false, headers: range ? { range: `bytes=${range.start}-${range.end}` } : {}, timeout: 30_000 },
			(response) => {
				const ttfb = performance.now() - start;
				response.on('data', () => {});
				response.on('error', reject);
				response.on('end', () => {
					if (response.statusCode !== (range ? 206 : 200)) return reject(new Error(`GET ${path}: ${response.statusCode}`));
					resolve({ ttfb, total: performance.now() - start, cache: String(response.headers['x-dreamreel-cache'] ?? 'none') });
				});
			},
		);
		request.on('timeout', () => request.destroy(new Error(`GET ${path}: timed out`)));
		request.on('error', reject);
	});
}

interface FirstPlays {
	cold: Play[];
	warm: Play[];
}

/** The first play of each video (a cache miss), then, once its cache fill landed, the same request again. */
async function firstPlays(list: Video[], range?: { start: number; end: number }): Promise<FirstPlays> {
	const result: FirstPlays = { cold: [], warm: [] };
	for (const v of list) {
		result.cold.push(await play(v.path, range));
		await until(`${v.name} to be cached`, async () => ((await play(v.path, range)).cache === 'hit' ? true : undefined), 30_000, 100);
		result.warm.push(await play(v.path, range));
		await sleep(200);
	}
	return result;
}

function coldRow(name: string, plays: FirstPlays): string[] {
	const cold = { ttfb: summarize(plays.cold.map((p) => p.ttfb)), total: summarize(plays.cold.map((p) => p.total)) };
	const warm = { ttfb: summarize(plays.warm.map((p) => p.ttfb)), total: summarize(plays.warm.map((p) => p.total)) };
	const caches = [...new Set(plays.cold.map((p) => p.cache))].join('/');
	return [
		name,
		String(plays.cold.length),
		caches,
		`${ms(cold.ttfb.p50)} ms`,
		`${ms(cold.ttfb.max)} ms`,
		`${ms(cold.total.p50)} ms`,
		`${ms(cold.total.max)} ms`,
		`${ms(warm.ttfb.p50)} ms`,
		`${ms(warm.total.p50)} ms`,
	];
}

async function burstOfFirstPlays(v: Video, n: number): Promise<{ cache: Record<string, number>; ttfb: Summary; total: Summary }> {
	const plays = await Promise.all(Array.from({ length: n }, () => play(v.path)));
	const cache: Record<string, number> = {};
	for (const p of plays) cache[p.cache] = (cache[p.cache] ?? 0) + 1;
	return { cache, ttfb: summarize(plays.map((p) => p.ttfb)), total: summarize(plays.map((p) => p.total)) };
}

async function warm(v: Video): Promise<void> {
	await play(v.path);
	await until(`${v.name} to be cached`, async () => ((await play(v.path)).cache === 'hit' ? true : undefined), 30_000, 100);
}

await main();
