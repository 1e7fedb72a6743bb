import type { $type } from '@atcute/lexicons';
import type { VideoDreamreelDefs } from '../lexicons/index.ts';
import { viewerState, type ClipRow } from './clip-rows.ts';
import { labelViews } from './labels-view.ts';
import { blobUrl, profileView } from './profile-view.ts';
import { storedRecord, type IndexedRecord } from '../ingest/records.ts';
import { CLIP, REMIX } from '../nsid.ts';

type ClipView = VideoDreamreelDefs.ClipView;
type ViewerState = VideoDreamreelDefs.ViewerState;

/**
 * Clip views with what the viewer (when known) has done and may do to each: their like, and whether
 * they may remix it (the rules `generate` checks before accepting a remix). One query per page, none
 * when the rows were read with the viewer's state.
 */
export async function clipViews(db: D1Database, rows: ClipRow[], viewer?: string): Promise<$type.enforce<ClipView>[]> {
	if (!viewer) return rows.map(clipView);
	// Read with the rows (clipsByUri's withViewerState), or here.
	const states = new Map<string, ViewerRow>(rows.every((row) => row.viewer_refusal !== undefined) ? rows.map((row) => [row.uri, row as ViewerRow]) : []);
	if (states.size === 0 && rows.length > 0) {
		const { results } = await db
			.prepare(`SELECT c.uri, ${viewerState('?1')} FROM clips c WHERE c.uri IN (SELECT value FROM json_each(?2))`)
			.bind(viewer, JSON.stringify(rows.map((row) => row.uri)))
			.all<ViewerRow>();
		for (const state of results) states.set(state.uri, state);
	}
	return rows.map((row) => {
		const state = states.get(row.uri);
		const like = state?.viewer_like as ViewerState['like'] | null | undefined;
		const refusal = state?.viewer_refusal;
		// A clip whose state is missing (it vanished between the queries) is not remixable.
		return { ...clipView(row), viewer: { ...(like ? { like } : {}), canRemix: state !== undefined && refusal === null, ...(refusal ? { remixRefusal: refusal } : {}) } };
	});
}

type ViewerRow = Required<Pick<ClipRow, 'uri' | 'viewer_like' | 'viewer_refusal'>>;

/**
 * A hidden clip as someone it features sees it: what it is, never where to play it (its hosted copy
 * is private, and the author's blob is not ours to hand out); nobody may remix it.
 */
export function withheldClipView(view: $type.enforce<ClipView>, authorInactive: boolean): $type.enforce<ClipView> {
	const { durationMs, aspectRatio } = view.playback;
	const { avatar: _avatar, ...author } = view.author;
	return {
		...view,
		...(authorInactive ? { author } : {}),
		playback: { state: 'restricted', reason: 'hidden from the network', ...(durationMs ? { durationMs } : {}), ...(aspectRatio ? { aspectRatio } : {}) },
		...(view.viewer ? { viewer: { ...view.viewer, canRemix: false } } : {}),
	};
}

/** Turns an indexed row into the lexicon's clipView. */
export function clipView(row: ClipRow): $type.enforce<ClipView> {
	const record = storedRecord([CLIP, REMIX], row.record);
	const labels = labelViews(row.labels);
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
		...(labels.length > 0 ? { labels } : {}),
		indexedAt: row.indexed_at as ClipView['indexedAt'],
	};
}

/**
 * The hosted copy when it is ready (HLS from Stream, MP4 from R2). Until then, and while a failed
 * copy is retried, the canonical blob on the author's PDS plays. The poster is the host's (Stream
 * makes one) or else the record's own `thumbnail` blob, from the author's PDS.
 * Hidden clips never reach this point: views only show visible clips, and `withheldClipView` replaces it.
 */
function playback(row: ClipRow, { durationMs, aspectRatio, thumbnail }: IndexedRecord<typeof CLIP | typeof REMIX>): VideoDreamreelDefs.Playback {
	const shape = { ...(durationMs ? { durationMs } : {}), ...(aspectRatio ? { aspectRatio } : {}) };
	const posterUrl = row.video_thumbnail ?? (thumbnail && row.pds ? blobUrl(row.pds, row.did, thumbnail.ref.$link) : undefined);
	const poster = posterUrl ? { thumbnail: posterUrl as Uri } : {};
	// A copy that failed is retried slowly; meanwhile the clip plays from its author's PDS.
	if (row.video_state === 'failed' && row.pds) {
		const reason = `not hosted (${row.video_reason ?? 'the copy failed'}); playing from the author’s PDS`;
		return { state: 'pending', reason: reason.slice(0, 300), mp4: blobUrl(row.pds, row.did, row.video_cid), ...poster, ...shape };
	}
	if (row.video_state === 'failed') return { state: 'failed', reason: (row.video_reason ?? 'the video could not be copied').slice(0, 300), ...shape };
	if (row.video_state === 'ready' && (row.video_hls || row.video_mp4)) {
		return {
			state: 'ready',
			...(row.video_hls ? { hls: row.video_hls as Uri } : {}),
			...(row.video_mp4 ? { mp4: row.video_mp4 as Uri } : {}),
			...poster,
			...shape,
		};
	}
	if (!row.pds) return { state: 'pending', reason: 'locating the author’s PDS', ...shape };
	return { state: 'pending', mp4: blobUrl(row.pds, row.did, row.video_cid), ...poster, ...shape };
}

type Uri = `${string}:${string}`;
