// `npm run bench:search`: searchClips, searchActors, listNotifications and getUnreadCount under load
// on the real worker (wrangler dev: workerd, local D1) over a small dataset written through a
// reference PDS plus 100 000 generated clips by 1 000 generated accounts. Prints figures; checks
// only that the answers are right. Options (environment): BENCH_GENERATED (100000 clips),
// BENCH_AUTHORS (1000), BENCH_LIKES (1000 per real clip), BENCH_CONNECTIONS (1,10),
// BENCH_SECONDS (10), BENCH_WARMUP (3), BENCH_SEED (7), DEBUG_WORKER=1.
//
// The generated clips are written into local D1 before the worker starts, as the followers of
// bench/feeds are: the very rows (clip_index, search_docs, clip_text, clip_tags, actors, likes,
// notifications) that indexing those records would leave (worker/ingest/index-record.ts,
// search-index.ts, notify.ts). Search reads only those tables, so it cannot tell them apart.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtpAgent } from '@atproto/api';
import { startDevNetwork } from '../../scripts/dev-network.ts';
import { startWorker } from '../../scripts/worker-process.ts';
import { postVideoClip } from './dataset.node.ts';
import { quote, syntheticDid, tid, wranglerD1 } from './followers.node.ts';
import { assertClean, boundedRun, envNumber, loadTable, random, runLoad, until, type LoadResult } from './load.node.ts';
import { snapshotWorker } from './snapshot.node.ts';

const PORTS = { pds: 4389, plc: 4390, worker: 8821 };
const GENERATED = envNumber('BENCH_GENERATED', 100_000);
const AUTHORS = envNumber('BENCH_AUTHORS', 1000);
const LIKES = envNumber('BENCH_LIKES', 1000);
const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP = envNumber('BENCH_WARMUP', 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS || '1,10').split(',').map(Number).filter((n) => n > 0);
const STATEMENT_BYTES = 90_000;
const CID = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const VIDEO = 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy';
const base = `http://127.0.0.1:${PORTS.worker}`;
const serviceDid = `did:web:localhost%3A${PORTS.worker}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A vocabulary of made-up words; word i is drawn with probability falling with i (a long tail). */
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qu', 'do'];
const word = (i: number) => SYLLABLES[i % 12]! + SYLLABLES[Math.floor(i / 12) % 12]! + SYLLABLES[Math.floor(i / 144) % 12]!;
const VOCABULARY = 1500;

/** Multi-row INSERTs of `rows`, each under D1's 100 KB statement limit. */
function inserts(table: string, columns: string, rows: string[]): string[] {
	const out: string[] = [];
	let batch: string[] = [];
	let size = 0;
	const flush = () => {
		if (batch.length) out.push(`INSERT INTO ${table} (${columns}) VALUES ${batch.join(', ')};`);
		batch = [];
		size = 0;
	};
	for (const row of rows) {
		if (size + row.length > STATEMENT_BYTES) flush();
		batch.push(row);
		size += row.length + 2;
	}
	flush();
	return out;
}

/** The generated accounts and clips, and likes (with their notifications) of `creator`'s clips. */
function generated(creator: string, creatorClips: string[], pds: string): string[] {
	const next = random(envNumber('BENCH_SEED', 7));
	const pick = () => word(Math.floor(VOCABULARY * next() ** 3));
	const now = Date.now();
	const actors: string[] = [];
	const clips: string[] = [];
	const docs: string[] = [];
	const texts: string[] = [];
	const tags: string[] = [];
	const likes: string[] = [];
	const notifications: string[] = [];
	for (let a = 0; a < AUTHORS; a++) {
		actors.push(`(${quote(syntheticDid(1_000_000 + a))}, ${quote(`${word(a)}${a}.test`)}, ${quote(`${word(a + 7)} ${word(a * 13)}`)}, ${quote(pds)}, 1, ${quote(new Date(now).toISOString())})`);
	}
	for (let i = 0; i < GENERATED; i++) {
		const did = syntheticDid(1_000_000 + (i % AUTHORS));
		const at = now - (GENERATED - i) * 10_000;
		const uri = `at://${did}/video.dreamreel.clip/${tid(at * 1000, i)}`;
		const caption = Array.from({ length: 8 }, pick).join(' ');
		const prompt = Array.from({ length: 16 }, pick).join(' ');
		const clipTags = [...new Set([pick(), pick()])];
		const createdAt = new Date(at).toISOString();
		const record = { $type: 'video.dreamreel.clip', video: { $type: 'blob', ref: { $link: VIDEO }, mimeType: 'video/mp4', size: 1000 }, caption, prompt, tags: clipTags, createdAt };
		clips.push(`(${quote(uri)}, ${quote(CID)}, ${quote(did)}, 0, ${quote(JSON.stringify(record))}, ${quote(VIDEO)}, 'everyone', ${quote(createdAt)}, ${quote(createdAt)}, ${quote(createdAt)})`);
		docs.push(`(${i + 1}, ${quote(uri)})`);
		texts.push(`(${i + 1}, ${quote(caption)}, ${quote(prompt)}, ${quote(clipTags.join(' '))})`);
		for (const tag of clipTags) tags.push(`(${quote(tag)}, ${quote(uri)})`);
	}
	creatorClips.forEach((subject, c) => {
		for (let l = 0; l < LIKES; l++) {
			const did = syntheticDid(1_000_000 + (l % AUTHORS));
			const at = new Date(now - (LIKES - l) * 1000).toISOString();
			const uri = `at://${did}/video.dreamreel.like/${tid((now - l) * 1000, c)}`;
			likes.push(`(${quote(uri)}, ${quote(did)}, ${quote(subject)}, ${quote(at)})`);
			notifications.push(`(${quote(creator)}, 'like', ${quote(did)}, ${quote(uri)}, ${quote(subject)}, ${quote(at)})`);
		}
	});
	return [
		...inserts('actors', 'did, handle, display_name, pds, active, indexed_at', actors),
		...inserts('clip_index', 'uri, cid, did, is_remix, record, video_cid, remix_policy, created_at, indexed_at, sort_at', clips),
		...inserts('search_docs', 'id, key', docs),
		...inserts('clip_text', 'rowid, caption, prompt, tags', texts),
		...inserts('clip_tags', 'tag, clip_uri', tags),
		...inserts('likes', 'uri, did, subject_uri, created_at', likes),
		...inserts('notifications', 'recipient, reason, author, uri, subject, indexed_at', notifications),
	];
}

async function main(): Promise<void> {
	const snapshot = await snapshotWorker();
	const network = await startDevNetwork({ pdsPort: PORTS.pds, plcPort: PORTS.plc });
	const persistTo = await mkdtemp(join(tmpdir(), 'dreamreel-bench-search-'));
	let stop = async () => {};
	const cleanup = async () => {
		await stop();
		await network.close();
		await rm(persistTo, { recursive: true, force: true });
		await snapshot.release();
	};
	await boundedRun('bench:search', 30 * 60_000, cleanup, async () => {
		// The small dataset through the PDS: a creator with 5 clips, found by a word of their own.
		const creator = new AtpAgent({ service: network.pdsUrl });
		await creator.createAccount({ handle: 'creator.test', email: 'creator@bench.test', password: 'bench-password' });
		const own: string[] = [];
		for (let i = 0; i < 5; i++) own.push((await postVideoClip(creator, `search-${i}`, new Date().toISOString(), { caption: `zyzzyva number ${i} #benchtag` })).uri);

		log(`writing ${GENERATED} generated clips by ${AUTHORS} accounts and ${own.length * LIKES} likes into local D1…`);
		wranglerD1(persistTo, ['migrations', 'apply', 'DB']);
		const file = join(persistTo, 'bench-search.sql');
		const started = Date.now();
		await writeFile(file, generated(creator.assertDid, own, network.pdsUrl).join('\n'));
		wranglerD1(persistTo, ['execute', 'DB', '--file', file]);
		log(`  written in ${((Date.now() - started) / 1000).toFixed(1)} s`);

		const worker = await startWorker({
			port: PORTS.worker,
			persistTo,
			quiet: !process.env.DEBUG_WORKER,
			vars: {
				PUBLIC_URL: `http://localhost:${PORTS.worker}`,
				FIREHOSE_URL: network.pdsUrl.replace(/^http/, 'ws'),
				PLC_URL: network.plcUrl,
				HANDLE_RESOLVER_URL: network.pdsUrl,
				RATE_LIMIT_EXEMPT: '127.0.0.1,::1',
			},
		});
		stop = () => worker.stop('SIGTERM');
		await worker.startIngesting();
		await until('the creator’s clips to be found', async () => {
			const response = await fetch(`${base}/xrpc/video.dreamreel.searchClips?q=zyzzyva`);
			const body = (await response.json()) as { clips?: unknown[] };
			return body.clips?.length === own.length ? true : undefined;
		}, 120_000, 500);

		const token = async (lxm: string) => {
			const { data } = await creator.com.atproto.server.getServiceAuth({ aud: serviceDid, lxm, exp: Math.floor(Date.now() / 1000) + 240 });
			return { authorization: `Bearer ${data.token}` };
		};
		// word(0) is in nearly every clip (the worst case, a word like "the"); word(50) in about 5 %.
		const everywhere = word(0);
		const common = word(50);
		const results: LoadResult[] = [];
		for (const connections of CONNECTIONS) {
			const specs = [
				{ name: `searchClips q=${everywhere} (in ~all clips), latest`, path: `/xrpc/video.dreamreel.searchClips?q=${everywhere}&limit=25` },
				{ name: `searchClips q=${common} (in ~5 % of clips), latest`, path: `/xrpc/video.dreamreel.searchClips?q=${common}&limit=25` },
				{ name: `searchClips q=${common.slice(0, 3)} (prefix), latest`, path: `/xrpc/video.dreamreel.searchClips?q=${common.slice(0, 3)}&limit=25` },
				{ name: 'searchClips q=zyzzyva (rare word)', path: '/xrpc/video.dreamreel.searchClips?q=zyzzyva&limit=25' },
				{ name: `searchClips tag=${common}, latest`, path: `/xrpc/video.dreamreel.searchClips?tag=${common}&limit=25` },
				{ name: `searchClips tag=${common}, top`, path: `/xrpc/video.dreamreel.searchClips?tag=${common}&sort=top&limit=25` },
				{ name: 'searchActors q=ka (typeahead)', path: '/xrpc/video.dreamreel.searchActors?q=ka&limit=8', verify: (body: string) => body.startsWith('{"actors":[{') },
				{ name: 'listNotifications (signed in, 5 000 likes)', path: '/xrpc/video.dreamreel.listNotifications?limit=30', lxm: 'video.dreamreel.listNotifications', verify: (body: string) => body.startsWith('{"notifications":[{') },
				{ name: 'getUnreadCount (signed in)', path: '/xrpc/video.dreamreel.getUnreadCount', lxm: 'video.dreamreel.getUnreadCount', verify: (body: string) => body.startsWith('{"count":') },
			];
			for (const spec of specs) {
				log(`load: ${spec.name}, ${connections} connection(s), ${SECONDS} s…`);
				// Service tokens are single-use only for procedures: one token serves a whole run of a query.
				const headers = spec.lxm ? await token(spec.lxm) : {};
				const result = await runLoad({
					name: spec.name,
					url: `${base}${spec.path}`,
					connections,
					seconds: SECONDS,
					warmupSeconds: WARMUP,
					headers,
					verifyBody: spec.verify ?? ((body) => body.startsWith('{"clips":[{')),
				});
				results.push(result);
				try {
					assertClean(result);
				} catch (error) {
					log(`  not clean: ${String(error)}`);
				}
			}
		}
		process.stdout.write(`\n## bench:search — ${GENERATED} generated clips by ${AUTHORS} accounts, ${own.length * LIKES} likes\n\n${loadTable(results)}\n`);
	});
}

await main();
