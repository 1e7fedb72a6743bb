import type { $type } from '@atcute/lexicons';
import type { VideoDreamreelDefs } from '../lexicons/index.ts';
import type { ClipRow } from './clip-rows.ts';
import { blobUrl, profileView } from './profile-view.ts';

type ClipView = VideoDreamreelDefs.ClipView;

/** Clip views with what the viewer (when known) has done to each: their like. */
export async function clipViews(db: D1Database, rows: ClipRow[], viewer?: string): Promise<$type.enforce<ClipView>[]> {
	const likes = new Map<string, string>();
	if (viewer && rows.length > 0) {
		const { results } = await db
			.prepare('SELECT subject_uri, uri FROM likes WHERE did = ?1 AND subject_uri IN (SELECT value FROM json_each(?2))')
			.bind(viewer, JSON.stringify(rows.map((row) => row.uri)))
			.all<{ subject_uri: string; uri: string }>();
		for (const like of results) likes.set(like.subject_uri, like.uri);
	}
	return rows.map((row) => {
		const view = clipView(row);
		const like = likes.get(row.uri);
		return viewer ? { ...view, viewer: like ? { like: like as NonNullable<ClipView['viewer']>['like'] } : {} } : view;
	});
}

/** Turns an indexed row into the lexicon's clipView. */
export function clipView(row: ClipRow): $type.enforce<ClipView> {
	const record = JSON.parse(row.record) as Record<string, unknown>;
	return {
		$type: 'video.dreamreel.defs#clipView',
		uri: row.uri as ClipView['uri'],
		cid: row.cid,
		author: profileView(row),
		record,
		playback: playback(row, record),
		...(row.parent_uri && row.parent_cid && row.root_uri && row.root_cid
			? {
					lineage: {
						parent: { uri: row.parent_uri, cid: row.parent_cid },
						root: { uri: row.root_uri, cid: row.root_cid },
					} as ClipView['lineage'],
				}
			: {}),
		remixCount: row.remix_count,
		likeCount: row.like_count,
		commentCount: row.comment_count,
		indexedAt: row.indexed_at as ClipView['indexedAt'],
	};
}

/**
 * The hosted copy when it is ready (HLS from Stream, MP4 from R2). Until then the canonical blob on
 * the author's PDS plays; a video that could not be mirrored says why instead of giving a broken URL.
 * Views only ever show visible clips, so a restricted copy never reaches this point.
 */
function playback(row: ClipRow, record: Record<string, unknown>): VideoDreamreelDefs.Playback {
	const durationMs = typeof record.durationMs === 'number' ? record.durationMs : undefined;
	const aspectRatio = record.aspectRatio as VideoDreamreelDefs.AspectRatio | undefined;
	const shape = { ...(durationMs ? { durationMs } : {}), ...(aspectRatio ? { aspectRatio } : {}) };
	if (row.video_state === 'failed') return { state: 'failed', reason: (row.video_reason ?? 'the video could not be copied').slice(0, 300), ...shape };
	if (row.video_state === 'ready' && (row.video_hls || row.video_mp4)) {
		return {
			state: 'ready',
			...(row.video_hls ? { hls: row.video_hls as Uri } : {}),
			...(row.video_mp4 ? { mp4: row.video_mp4 as Uri } : {}),
			...(row.video_thumbnail ? { thumbnail: row.video_thumbnail as Uri } : {}),
			...shape,
		};
	}
	if (!row.pds) return { state: 'pending', reason: 'locating the author’s PDS', ...shape };
	return { state: 'pending', mp4: blobUrl(row.pds, row.did, row.video_cid), ...shape };
}

type Uri = `${string}:${string}`;
