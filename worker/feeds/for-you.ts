import type { ClipRow } from '../views/clip-rows.ts';
import { clipsByUri } from '../views/clip-rows.ts';
import { viewerSees } from '../views/visibility.ts';
import { candidatesQuery, toCandidate, type CandidateRow } from './candidates.ts';
import { rank, type Candidate } from './ranking.ts';

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
	const ranked = rank(await candidates(db, viewer), now);
	let page: { uri: string; reason: string }[] = ranked.slice(offset, offset + limit);
	if (viewer && page.length === 0) {
		page = rank(await candidates(db, viewer, true), now).slice(0, limit).map((item) => ({ ...item, reason: 'rewatch' }));
	}
	const rows = new Map((await clipsByUri(db, page.map((item) => item.uri), viewer, true)).map((row) => [row.uri, row]));
	if (viewer && page.length > 0) await markSeen(db, viewer, page.map((item) => item.uri), now);
	return {
		items: page.flatMap((item) => (rows.has(item.uri) ? [{ row: rows.get(item.uri)!, reason: item.reason }] : [])),
		nextOffset: !viewer && offset + limit < ranked.length ? offset + limit : undefined,
	};
}

async function candidates(db: D1Database, viewer: string | undefined, includeSeen = false): Promise<Candidate[]> {
	const { results } = await db
		.prepare(
			candidatesQuery({
				from: 'FROM clips c JOIN actors a ON a.did = c.did',
				where: `AND (?2 OR ?1 IS NULL OR NOT EXISTS (SELECT 1 FROM seen s WHERE s.did = ?1 AND s.clip_uri = c.uri)) AND ${viewerSees('c', '?1', true)}`,
				extra: 'EXISTS (SELECT 1 FROM follows f WHERE f.did = ?1 AND f.subject = c.did) AS followedByViewer',
			}),
		)
		.bind(viewer ?? null, includeSeen ? 1 : 0)
		.all<CandidateRow>();
	return results.map(toCandidate);
}

async function markSeen(db: D1Database, viewer: string, uris: string[], now: number): Promise<void> {
	await db
		.prepare('INSERT OR IGNORE INTO seen (did, clip_uri, seen_at) SELECT ?1, value, ?2 FROM json_each(?3)')
		.bind(viewer, new Date(now).toISOString(), JSON.stringify(uris))
		.run();
}
