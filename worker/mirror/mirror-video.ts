import { VideoHostError, type VideoHost } from '../video/index.ts';
import { blobUrl } from '../views/profile-view.ts';
import { videoShown } from '../views/visibility.ts';

export interface MirrorDeps {
	db: D1Database;
	host: VideoHost;
	/** Told of a poster that could not be copied (the Mirror sums them up: one line, not one per clip). */
	posterFailed: (failure: string) => void;
}

/** What became of one attempt: done, try again later (with why), or given up for good. */
export type MirrorOutcome = { done: true } | { done: false; retryInMs: number; reason: string };

/** Stream encodes asynchronously: ask again this soon while it is pending. */
const POLL_MS = 5000;
/** A copy that failed for good is still tried again this often: a PDS or host may mend. */
export const SLOW_RETRY_MS = 6 * 3_600_000;

interface Source {
	did: string;
	pds: string | null;
	mime: string;
	size: number;
	posterCid: string | null;
	posterMime: string | null;
	posterSize: number | null;
	aiGenerated: number;
	visible: number;
	/** The copy as the videos table has it, if any. */
	state: string | null;
	ref: string | null;
	restricted: number | null;
}

/**
 * Copies one blob to the video host (from the PDS of the first author to publish it: a later record
 * naming the same CID cannot make the copy fail) and records its playback state, or re-applies whether it may
 * be public. The canonical blob stays on the author's PDS; the host refuses bytes that do not hash
 * to the CID or exceed the declared size (R2), so the copy is the author's video or nothing. The clip
 * and the copy's row are read together: a new clip's copy costs one D1 read before the host.
 */
export async function mirrorVideo(deps: MirrorDeps, cid: string): Promise<MirrorOutcome> {
	const source = await deps.db
		.prepare(
			`SELECT c.did, a.pds, json_extract(c.record, '$.video.mimeType') AS mime, json_extract(c.record, '$.video.size') AS size,
			   json_extract(c.record, '$.thumbnail.ref."$link"') AS posterCid, json_extract(c.record, '$.thumbnail.mimeType') AS posterMime,
			   json_extract(c.record, '$.thumbnail.size') AS posterSize,
			   EXISTS (SELECT 1 FROM json_each(c.record, '$.labels.values') WHERE json_extract(value, '$.val') = 'ai-generated') AS aiGenerated,
			   ${videoShown('?1')} AS visible, v.state, v.ref, v.restricted
			 FROM clips c JOIN actors a ON a.did = c.did LEFT JOIN videos v ON v.cid = c.video_cid
			 WHERE c.video_cid = ?1 ORDER BY c.indexed_at, c.uri LIMIT 1`,
		)
		.bind(cid)
		.first<Source>();
	if (!source) return { done: true }; // every clip using it was deleted
	const restricted = source.visible === 0;
	if (source.ref && source.state === 'ready') {
		if ((source.restricted === 1) !== restricted) await deps.host.setRestricted(source.ref, restricted);
		await copyPoster(deps, source.ref, source);
		return record(deps, cid, source.ref, restricted);
	}
	if (!source.pds) return { done: false, retryInMs: POLL_MS, reason: 'the author’s PDS is not known yet' };
	try {
		const ref =
			source.ref ??
			(await deps.host.put({ cid, mimeType: source.mime, size: source.size, url: blobUrl(source.pds, source.did, cid) }, { aiGenerated: source.aiGenerated === 1, restricted })).ref;
		await copyPoster(deps, ref, source);
		return await record(deps, cid, ref, restricted);
	} catch (error) {
		if (error instanceof VideoHostError && !error.retryable) {
			await save(deps, cid, { state: 'failed', reason: error.message, restricted });
			return { done: false, retryInMs: SLOW_RETRY_MS, reason: error.message };
		}
		return { done: false, retryInMs: 0, reason: String(error) };
	}
}

/**
 * The first publisher's poster, beside the copy of the video. Optional: a poster that cannot be
 * copied leaves the clip with its record's own (from the PDS), never holds up the video.
 */
async function copyPoster(deps: MirrorDeps, ref: string, source: Source): Promise<void> {
	if (!source.posterCid || !source.pds) return;
	const poster = { cid: source.posterCid, mimeType: source.posterMime ?? '', size: source.posterSize ?? 0, url: blobUrl(source.pds, source.did, source.posterCid) };
	await deps.host.putPoster(ref, poster).catch((error: unknown) => deps.posterFailed(`${source.posterCid}: ${String(error)}`));
}

async function record(deps: MirrorDeps, cid: string, ref: string, restricted: boolean): Promise<MirrorOutcome> {
	const status = await deps.host.status(ref);
	if (status.state === 'failed') {
		await save(deps, cid, { state: 'failed', ref, reason: status.reason, restricted });
		return { done: false, retryInMs: SLOW_RETRY_MS, reason: status.reason };
	}
	if (status.state === 'pending') {
		await save(deps, cid, { state: 'pending', ref, restricted });
		return { done: false, retryInMs: POLL_MS, reason: 'the host is still processing' };
	}
	const urls = restricted ? {} : await deps.host.playback(ref, { restricted });
	await save(deps, cid, { state: 'ready', ref, restricted, ...urls });
	return { done: true };
}

interface VideoRow {
	state: 'pending' | 'ready' | 'failed';
	ref?: string;
	reason?: string;
	restricted: boolean;
	hls?: string;
	mp4?: string;
	thumbnail?: string;
}

async function save({ db, host }: MirrorDeps, cid: string, row: VideoRow): Promise<void> {
	await db
		.prepare(
			`INSERT OR REPLACE INTO videos (cid, host, ref, state, reason, restricted, hls, mp4, thumbnail, updated_at)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
		)
		.bind(cid, host.name, row.ref ?? null, row.state, row.reason ?? null, row.restricted ? 1 : 0, row.hls ?? null, row.mp4 ?? null, row.thumbnail ?? null, new Date().toISOString())
		.run();
}
