import type { ClipRow } from '../views/clip-rows.ts';
import { clipsByUri } from '../views/clip-rows.ts';
import { COMMENTERS, LIKERS, VISIBLE, visibleRemixCount } from '../views/visibility.ts';
import { CANDIDATES_PER_AUTHOR, rank, type Candidate } from './ranking.ts';

/** How far back For You looks, and how many candidates it scores per request. */
const WINDOW_DAYS = 14;
const MAX_CANDIDATES = 1000;

/**
 * A page of For You. A signed-in viewer never gets a clip twice (what is served is marked seen);
 * once everything has been seen, the best are offered again as `rewatch`. Anonymous viewers page
 * through the ranking by offset.
 */
export async function forYouPage(
	db: D1Database,
	viewer: string | undefined,
	limit: number,
	offset: number,
	now = Date.now(),
): Promise<{ items: { row: ClipRow; reason: string }[]; nextOffset?: number }> {
	const ranked = rank(await candidates(db, viewer, now), now);
	let page: { uri: string; reason: string }[] = ranked.slice(offset, offset + limit);
	if (viewer && page.length === 0) {
		page = rank(await candidates(db, viewer, now, true), now).slice(0, limit).map((item) => ({ ...item, reason: 'rewatch' }));
	}
	const rows = new Map((await clipsByUri(db, page.map((item) => item.uri))).map((row) => [row.uri, row]));
	if (viewer && page.length > 0) await markSeen(db, viewer, page.map((item) => item.uri), now);
	return {
		items: page.flatMap((item) => (rows.has(item.uri) ? [{ row: rows.get(item.uri)!, reason: item.reason }] : [])),
		nextOffset: !viewer && offset + limit < ranked.length ? offset + limit : undefined,
	};
}

async function candidates(db: D1Database, viewer: string | undefined, now: number, includeSeen = false): Promise<Candidate[]> {
	const since = new Date(now - WINDOW_DAYS * 86_400_000).toISOString();
	// The newest CANDIDATES_PER_AUTHOR clips of each author: no one fills the pool by writing more.
	const { results } = await db
		.prepare(
			`WITH pool AS (
			   SELECT uri FROM (
			     SELECT c.uri, c.sort_at, ROW_NUMBER() OVER (PARTITION BY c.did ORDER BY c.sort_at DESC) AS nth
			     FROM clips c JOIN actors a ON a.did = c.did
			     WHERE c.sort_at > ?1 AND ${VISIBLE}
			       AND (?3 OR ?2 IS NULL OR NOT EXISTS (SELECT 1 FROM seen s WHERE s.did = ?2 AND s.clip_uri = c.uri)))
			   WHERE nth <= ?5 ORDER BY sort_at DESC LIMIT ?4)
			 SELECT c.uri, c.did AS author, c.sort_at AS sortAt, c.is_remix AS isRemix,
			   ${LIKERS('c')} AS likes, ${COMMENTERS('c')} AS comments, ${visibleRemixCount('c')} AS remixes,
			   EXISTS (SELECT 1 FROM follows f WHERE f.did = ?2 AND f.subject = c.did) AS followedByViewer
			 FROM clips c WHERE c.uri IN (SELECT uri FROM pool)`,
		)
		.bind(since, viewer ?? null, includeSeen ? 1 : 0, MAX_CANDIDATES, CANDIDATES_PER_AUTHOR)
		.all<Omit<Candidate, 'isRemix' | 'followedByViewer'> & { isRemix: number; followedByViewer: number }>();
	return results.map((row) => ({ ...row, isRemix: row.isRemix === 1, followedByViewer: row.followedByViewer === 1 }));
}

async function markSeen(db: D1Database, viewer: string, uris: string[], now: number): Promise<void> {
	await db
		.prepare('INSERT OR IGNORE INTO seen (did, clip_uri, seen_at) SELECT ?1, value, ?2 FROM json_each(?3)')
		.bind(viewer, new Date(now).toISOString(), JSON.stringify(uris))
		.run();
}
