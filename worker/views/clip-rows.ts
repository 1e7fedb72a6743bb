import type { Position } from './cursor.ts';
import { COMMENTERS, hiddenReason, labelsOn, LIKERS, MAX_CHAIN, remixRefusal, viewerSees, VISIBLE, visibleRemixCount } from './visibility.ts';

export interface ClipRow {
	uri: string;
	cid: string;
	did: string;
	record: string;
	video_cid: string;
	parent_uri: string | null;
	parent_cid: string | null;
	root_uri: string | null;
	root_cid: string | null;
	indexed_at: string;
	sortAt: string;
	handle: string | null;
	display_name: string | null;
	avatar_cid: string | null;
	pds: string | null;
	remix_count: number;
	like_count: number;
	comment_count: number;
	video_state: 'pending' | 'ready' | 'failed' | null;
	video_reason: string | null;
	video_hls: string | null;
	video_mp4: string | null;
	video_thumbnail: string | null;
	labels: string | null;
	author_labels: string | null;
	/** With `withViewerState`: the viewer's like, and why they may not remix it (see clipViews). */
	viewer_like?: string | null;
	viewer_refusal?: 'block' | 'policy' | 'consent' | null;
}

export const COLUMNS = `
       c.uri, c.cid, c.did, c.record, c.video_cid, c.parent_uri, c.parent_cid, c.root_uri, c.root_cid,
       c.indexed_at, c.sort_at AS sortAt, a.handle, a.display_name, a.avatar_cid, a.pds,
       ${visibleRemixCount('c')} AS remix_count,
       ${LIKERS('c')} AS like_count,
       ${COMMENTERS('c')} AS comment_count,
       ${labelsOn('c.uri')} AS labels, ${labelsOn('c.did')} AS author_labels,
       v.state AS video_state, v.reason AS video_reason, v.hls AS video_hls, v.mp4 AS video_mp4, v.thumbnail AS video_thumbnail`;

export const FROM = `FROM clips c JOIN actors a ON a.did = c.did LEFT JOIN videos v ON v.cid = c.video_cid`;

const SELECT = `SELECT ${COLUMNS} ${FROM}`;

const PAGE = `AND (?2 IS NULL OR c.sort_at < ?2 OR (c.sort_at = ?2 AND c.uri < ?3))
ORDER BY c.sort_at DESC, c.uri DESC LIMIT ?4`;

/** Every query below binds the signed-in viewer (or NULL) as ?5. */
const SEES = viewerSees('c', '?5');

/** What `viewer` has done and may do to clip `c`, for clipViews: `viewer_like`, `viewer_refusal`. */
export const viewerState = (viewer: string) =>
	`(SELECT l.uri FROM likes l WHERE l.did = ${viewer} AND l.subject_uri = c.uri LIMIT 1) AS viewer_like, ${remixRefusal('c', viewer)} AS viewer_refusal`;

/**
 * Clips by URI, in the order asked, those shown to `viewer`. `muted` drops what the viewer muted too:
 * for feeds, not for a clip someone opens by its link. `withViewerState` reads the viewer's state in
 * the same query (a round trip less for clipViews), for pages whose every row is shown.
 */
export async function clipsByUri(db: D1Database, uris: string[], viewer?: string, muted = false, withViewerState = false): Promise<ClipRow[]> {
	if (uris.length === 0) return [];
	const state = viewer && withViewerState ? `, ${viewerState('?5')}` : '';
	const { results } = await db
		.prepare(`SELECT ${COLUMNS}${state} ${FROM} WHERE c.uri IN (SELECT value FROM json_each(?1)) AND ${VISIBLE} AND ${viewerSees('c', '?5', muted)}`)
		.bind(JSON.stringify(uris), null, null, null, viewer ?? null)
		.all<ClipRow>();
	const byUri = new Map(results.map((row) => [row.uri, row]));
	return uris.flatMap((uri) => byUri.get(uri) ?? []);
}

export type AuthorFilter = 'all' | 'clips' | 'remixes';

export async function clipsByAuthor(
	db: D1Database,
	did: string,
	filter: AuthorFilter,
	limit: number,
	after?: Position,
	viewer?: string,
): Promise<ClipRow[]> {
	const kind = filter === 'clips' ? 'AND c.is_remix = 0' : filter === 'remixes' ? 'AND c.is_remix = 1' : '';
	const { results } = await db
		.prepare(`${SELECT} WHERE c.did = ?1 ${kind} AND ${VISIBLE} AND ${SEES} ${PAGE}`)
		.bind(did, after?.sortAt ?? null, after?.uri ?? null, limit, viewer ?? null)
		.all<ClipRow>();
	return results;
}

export async function remixesOf(db: D1Database, uri: string, limit: number, after?: Position, viewer?: string): Promise<ClipRow[]> {
	const { results } = await db
		.prepare(`${SELECT} WHERE c.parent_uri = ?1 AND ${VISIBLE} AND ${viewerSees('c', '?5', true)} ${PAGE}`)
		.bind(uri, after?.sortAt ?? null, after?.uri ?? null, limit, viewer ?? null)
		.all<ClipRow>();
	return results;
}

/** Every visible clip below `root` in its remix tree (one query; the caller builds the tree). */
export async function clipsWithRoot(db: D1Database, rootUri: string, limit: number, viewer?: string): Promise<ClipRow[]> {
	const { results } = await db
		.prepare(`${SELECT} WHERE c.root_uri = ?1 AND ${VISIBLE} AND ${SEES} ORDER BY c.sort_at ASC LIMIT ?4`)
		.bind(rootUri, null, null, limit, viewer ?? null)
		.all<ClipRow>();
	return results;
}

/** A clip featuring someone, and why it is hidden (null when shown). */
export interface FeaturingRow extends ClipRow {
	hidden_reason: string | null;
}

/**
 * The clips featuring person ?1: naming them as a cameo, or remixing, however far down the chain
 * (as visibility.ts follows it up, through deleted clips' tombstones), a clip that does — a remix
 * reuses the likeness. Remixes naming such a clip as their root come too, whole chain or not.
 */
const FEATURING = `WITH RECURSIVE down(uri, depth) AS (
    SELECT clip_uri, 0 FROM cameos WHERE did = ?1
    UNION SELECT r.uri, down.depth + 1 FROM clip_index r JOIN down ON r.parent_uri = down.uri WHERE down.depth < ${MAX_CHAIN})
  SELECT uri FROM down
  UNION SELECT r.uri FROM cameos m JOIN clips r ON r.root_uri = m.clip_uri WHERE m.did = ?1`;

/** Every clip featuring `did` (see FEATURING), hidden ones included: the featured person's view. */
export async function clipsFeaturing(db: D1Database, did: string, limit: number, after?: Position): Promise<FeaturingRow[]> {
	const { results } = await db
		.prepare(`SELECT ${COLUMNS}, ${hiddenReason('?1')} AS hidden_reason ${FROM} WHERE c.uri IN (${FEATURING}) ${PAGE}`)
		.bind(did, after?.sortAt ?? null, after?.uri ?? null, limit)
		.all<FeaturingRow>();
	return results;
}
