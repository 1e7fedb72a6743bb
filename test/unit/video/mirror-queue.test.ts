import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';

const did = 'did:plc:mirrorsweepmirrorsweepmi';
const cid = 'bafkreihr6vzpiikfsdhnnhftowgarogfffqa2ijun3f4xcy2mjivf6gq44';
const record = { $type: 'video.dreamreel.clip', video: { $type: 'blob', ref: { $link: cid }, mimeType: 'video/mp4', size: 10 }, createdAt: '2026-12-06T07:00:00.000Z' };

it('the sweep for lost hand-offs leaves a copy that is already waiting on its own schedule', async () => {
	// A clip whose video has no row yet (its PDS keeps failing), and its copy set aside for hours.
	await env.DB.batch([
		env.DB.prepare(`INSERT OR REPLACE INTO actors (did, handle, pds, indexed_at) VALUES (?1, 'sweep.test', 'http://localhost:1', '2026-12-06T07:00:00Z')`).bind(did),
		env.DB.prepare(
			`INSERT OR REPLACE INTO clip_index (uri, cid, did, is_remix, record, video_cid, remix_policy, created_at, indexed_at, sort_at)
			 VALUES (?1, 'bafyclip', ?2, 0, ?3, ?4, 'everyone', ?5, ?5, ?5)`,
		).bind(`at://${did}/video.dreamreel.clip/3ksweep22222`, did, JSON.stringify(record), cid, record.createdAt),
	]);
	const later = Date.now() + 6 * 3_600_000;
	const mirror = env.MIRROR.getByName('videos');
	await runInDurableObject(mirror, async (instance, state) => {
		state.storage.sql.exec(`INSERT INTO work (queue, key, payload, attempts, next_at, set_aside) VALUES ('videos', ?1, json_quote(?1), 10, ?2, 1)`, cid, later);
		await instance.alarm();
		const item = state.storage.sql.exec<{ next_at: number; set_aside: number; attempts: number; n: number }>(
			`SELECT next_at, set_aside, attempts, (SELECT COUNT(*) FROM work WHERE key = ?1) AS n FROM work WHERE queue = 'videos' AND key = ?1`,
			cid,
		).one();
		expect(item).toEqual({ next_at: later, set_aside: 1, attempts: 10, n: 1 });
	});
});

it('a re-check of a copy that keeps failing leaves its backoff: news about a clip does not make its PDS answer', async () => {
	const failing = 'bafkreifailingfailingfailingfailingfailingfailingfailingfai';
	const setAside = 'bafkreisetasidesetasidesetasidesetasidesetasidesetasideset';
	const waiting = 'bafkreiwaitingwaitingwaitingwaitingwaitingwaitingwaitingwai';
	const clip = (rkey: string, video: string) =>
		env.DB.prepare(
			`INSERT OR REPLACE INTO clip_index (uri, cid, did, is_remix, record, video_cid, remix_policy, created_at, indexed_at, sort_at)
			 VALUES (?1, 'bafyclip', ?2, 0, ?3, ?4, 'everyone', ?5, ?5, ?5)`,
		).bind(`at://${did}/video.dreamreel.clip/${rkey}`, did, JSON.stringify({ ...record, video: { ...record.video, ref: { $link: video } } }), video, record.createdAt);
	const row = (video: string) =>
		env.DB.prepare(`INSERT OR REPLACE INTO videos (cid, host, state, reason, updated_at) VALUES (?1, 'r2', 'failed', 'answered 400', ?2)`).bind(video, record.createdAt);
	await env.DB.batch([clip('3krecheck2222', failing), clip('3krecheck2223', setAside), clip('3krecheck2224', waiting), row(failing), row(setAside), row(waiting)]);
	const later = Date.now() + 3_600_000;
	const mirror = env.MIRROR.getByName('videos');
	await runInDurableObject(mirror, async (_instance, state) => {
		const add = (video: string, attempts: number, setAside: number) =>
			state.storage.sql.exec(`INSERT INTO work (queue, key, payload, attempts, next_at, set_aside) VALUES ('videos', ?1, json_quote(?1), ?2, ?3, ?4)`, video, attempts, later, setAside);
		add(failing, 3, 0);
		add(setAside, 10, 1);
		add(waiting, 0, 0); // due later, never failed: a re-check brings it forward
	});
	await mirror.recheck([did]);
	await runInDurableObject(mirror, async (_instance, state) => {
		const items = state.storage.sql
			.exec<{ key: string; next_at: number; set_aside: number; generation: number }>(`SELECT key, next_at, set_aside, generation FROM work WHERE queue = 'videos' AND key IN (?1, ?2, ?3) ORDER BY key`, failing, setAside, waiting)
			.toArray();
		expect(items.map(({ key, next_at, set_aside, generation }) => [key, next_at === later, set_aside, generation])).toEqual([
			[failing, true, 0, 1],
			[setAside, true, 1, 1],
			[waiting, false, 0, 1],
		]);
	});
});

it('a re-check runs a ready copy again only when whether it may be public changed; one waiting anyway is marked changed', async () => {
	const author = 'did:plc:recheckrecheckrecheckrec';
	const [unchanged, flipped, running] = ['unchanged', 'flipped', 'running'].map((name) => `bafkrei${name.padEnd(52, 'x')}`) as [string, string, string];
	const clip = (rkey: string, video: string) =>
		env.DB.prepare(
			`INSERT OR REPLACE INTO clip_index (uri, cid, did, is_remix, record, video_cid, remix_policy, created_at, indexed_at, sort_at)
			 VALUES (?1, 'bafyclip', ?2, 0, ?3, ?4, 'everyone', ?5, ?5, ?5)`,
		).bind(`at://${author}/video.dreamreel.clip/${rkey}`, author, JSON.stringify({ ...record, video: { ...record.video, ref: { $link: video } } }), video, record.createdAt);
	// All three clips are shown (an active author, no cameos): a copy should not be restricted.
	const ready = (video: string, restricted: number) =>
		env.DB.prepare(`INSERT OR REPLACE INTO videos (cid, host, ref, state, restricted, updated_at) VALUES (?1, 'r2', ?1, 'ready', ?2, ?3)`).bind(video, restricted, record.createdAt);
	await env.DB.batch([
		env.DB.prepare(`INSERT OR REPLACE INTO actors (did, handle, pds, indexed_at) VALUES (?1, 'recheck.test', 'http://localhost:1', ?2)`).bind(author, record.createdAt),
		clip('3kunchanged22', unchanged),
		clip('3kflipped2222', flipped),
		clip('3krunning2222', running),
		ready(unchanged, 0),
		ready(flipped, 1),
		ready(running, 0),
	]);
	const mirror = env.MIRROR.getByName('videos');
	await runInDurableObject(mirror, async (instance, state) => {
		const later = Date.now() + 3_600_000;
		state.storage.sql.exec(`INSERT INTO work (queue, key, payload, next_at) VALUES ('videos', ?1, json_quote(?1), ?2)`, running, later);
		await instance.recheck([author]);
		const items = state.storage.sql
			.exec<{ key: string; generation: number }>(`SELECT key, generation FROM work WHERE queue = 'videos' AND key IN (?1, ?2, ?3) ORDER BY key`, unchanged, flipped, running)
			.toArray();
		expect(items).toEqual([
			{ key: flipped, generation: 0 },
			{ key: running, generation: 1 },
		]);
	});
});

it("a write's hand-off queues its new videos and the copies it made stale, each once, in one call", async () => {
	const author = 'did:plc:handoffhandoffhandoffhan';
	const [fresh, flipped] = ['fresh', 'flipped'].map((name) => `bafkrei${`handoff${name}`.padEnd(52, 'x')}`) as [string, string];
	await env.DB.batch([
		env.DB.prepare(`INSERT OR REPLACE INTO actors (did, handle, pds, indexed_at) VALUES (?1, 'handoff.test', 'http://localhost:1', ?2)`).bind(author, record.createdAt),
		env.DB.prepare(
			`INSERT OR REPLACE INTO clip_index (uri, cid, did, is_remix, record, video_cid, remix_policy, created_at, indexed_at, sort_at)
			 VALUES (?1, 'bafyclip', ?2, 0, ?3, ?4, 'everyone', ?5, ?5, ?5)`,
		).bind(`at://${author}/video.dreamreel.clip/3khandoff2222`, author, JSON.stringify({ ...record, video: { ...record.video, ref: { $link: flipped } } }), flipped, record.createdAt),
		// Shown (an active author, no cameos), yet its copy is restricted: stale.
		env.DB.prepare(`INSERT OR REPLACE INTO videos (cid, host, ref, state, restricted, updated_at) VALUES (?1, 'r2', ?1, 'ready', 1, ?2)`).bind(flipped, record.createdAt),
	]);
	await runInDurableObject(env.MIRROR.getByName('hand-off'), async (instance, state) => {
		await instance.handOff({ videos: [fresh, flipped], people: [author], clips: [] });
		const keys = state.storage.sql.exec<{ key: string }>(`SELECT key FROM work WHERE queue = 'videos' ORDER BY key`).toArray();
		expect(keys.map((row) => row.key)).toEqual([fresh, flipped].sort());
	});
});
