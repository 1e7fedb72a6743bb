import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';

const did = 'did:plc:playbackplaybackplayback';
const uri = `at://${did}/video.dreamreel.clip/3kplayback22a`;
const CID = 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy';
const cid = CID;
const RECORD = { $type: 'video.dreamreel.clip', video: { $type: 'blob', ref: { $link: CID }, mimeType: 'video/mp4', size: 10 }, createdAt: '2026-11-25T07:00:00.000Z' };

async function video(state: string | null, fields: Record<string, string> = {}, cid = CID) {
	const record = { ...RECORD, video: { ...RECORD.video, ref: { $link: cid } } };
	await env.DB.batch([
		env.DB.prepare(`INSERT OR REPLACE INTO actors (did, handle, pds, indexed_at) VALUES (?1, 'pb.test', 'http://localhost:2583', '2026-11-25T07:00:00Z')`).bind(did),
		env.DB.prepare(
			`INSERT OR REPLACE INTO clip_index (uri, cid, did, is_remix, record, video_cid, remix_policy, created_at, indexed_at, sort_at)
			 VALUES (?1, 'bafyclip', ?2, 0, ?3, ?4, 'everyone', ?5, ?5, ?5)`,
		).bind(uri, did, JSON.stringify(record), cid, record.createdAt),
		env.DB.prepare('DELETE FROM videos'),
		...(state
			? [env.DB.prepare(`INSERT INTO videos (cid, host, ref, state, reason, mp4, updated_at) VALUES (?1, 'r2', ?1, ?2, ?3, ?4, '2026-11-25T07:00:00Z')`)
					.bind(cid, state, fields.reason ?? null, fields.mp4 ?? null)]
			: []),
	]);
	const response = await exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(uri)}`);
	return (await response.json<{ clip: { playback: Record<string, unknown> } }>()).clip.playback;
}

describe('playback in clip views', () => {
	beforeEach(() => env.DB.prepare('DELETE FROM clip_index').run());

	it('plays the blob from the author’s PDS until the copy is ready', async () => {
		expect(await video(null)).toEqual({ state: 'pending', mp4: `http://localhost:2583/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${cid}` });
	});

	it('plays the hosted copy once it is ready', async () => {
		expect(await video('ready', { mp4: `http://localhost:8787/video/${cid}` })).toEqual({ state: 'ready', mp4: `http://localhost:8787/video/${cid}` });
	});

	it('says why when the video could not be mirrored, and plays it from the author’s PDS meanwhile', async () => {
		expect(await video('failed', { reason: 'r2: the blob is 11 bytes, not the declared 10' })).toEqual({
			state: 'pending',
			reason: 'not hosted (r2: the blob is 11 bytes, not the declared 10); playing from the author’s PDS',
			mp4: `http://localhost:2583/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${cid}`,
		});
	});

	it('opening a clip whose copy failed asks the mirror to try again now, not on its slow schedule', async () => {
		const mirror = env.MIRROR.getByName('videos');
		const failing = 'bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm';
		// The copy has failed often enough to be set aside for hours.
		await runInDurableObject(mirror, (_instance, state) => {
			state.storage.sql.exec(`INSERT INTO work (queue, key, payload, attempts, next_at, set_aside) VALUES ('videos', ?1, json_quote(?1), 10, ?2, 1)`, failing, Date.now() + 6 * 3_600_000);
		});
		await video('failed', { reason: 'the author’s PDS answered 502' }, failing);
		const due = await runInDurableObject(mirror, (_instance, state) =>
			state.storage.sql.exec<{ next_at: number; set_aside: number; attempts: number }>(`SELECT next_at, set_aside, attempts FROM work WHERE queue = 'videos' AND key = ?`, failing).one(),
		);
		// Due now, or (the mirror's alarm being quick) already tried once more.
		expect(due.attempts > 10 || (due.set_aside === 0 && due.next_at <= Date.now())).toBe(true);
	});
});
