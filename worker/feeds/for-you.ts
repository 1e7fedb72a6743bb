import type { ClipRow } from '../views/clip-rows.ts';
import { clipsByUri } from '../views/clip-rows.ts';
import { candidatesOf, type Pooled } from './candidates.ts';
import { anonymousOrder, pageOf, sharedPool } from './pool.ts';
import { rank } from './ranking.ts';

const POOL = { from: 'FROM clips c JOIN actors a ON a.did = c.did' };

/**
 * A page of For You. A signed-in viewer never gets a clip twice (what is served is marked seen);
 * once everything has been seen, the best are offered again as `rewatch`. Anonymous viewers page
 * through the ranking by offset. The candidates come from the shared pool; what the viewer may see
 * is judged afresh as the page is hydrated.
 */
export async function forYouPage(
	db: D1Database,
	viewer: string | undefined,
	limit: number,
	offset: number,
	now = Date.now(),
): Promise<{ items: { row: ClipRow; reason: string }[]; nextOffset?: number }> {
	const pool = await sharedPool(db, 'forYou', POOL, now);
	const hydrate = async (window: { uri: string }[]) => new Map((await clipsByUri(db, window.map((item) => item.uri), viewer, true, true)).map((row) => [row.uri, row]));
	if (!viewer) {
		const { page, next } = await pageOf(anonymousOrder(pool, now), offset, limit, hydrate);
		return { items: page.map(({ item, value }) => ({ row: value, reason: item.reason })), nextOffset: next };
	}
	const own = await viewerFacts(db, viewer, pool);
	const unseen = rank(personal(pool, own, false), now);
	let { page }: { page: { item: { uri: string; reason: string }; value: ClipRow }[] } = await pageOf(unseen, offset, limit, hydrate);
	if (page.length === 0) {
		const best = rank(personal(pool, own, true), now).map((item) => ({ ...item, reason: 'rewatch' as const }));
		({ page } = await pageOf(best, 0, limit, hydrate));
	}
	if (page.length > 0) await markSeen(db, viewer, page.map(({ item }) => item.uri), now);
	return { items: page.map(({ item, value }) => ({ row: value, reason: item.reason })) };
}

interface ViewerFacts {
	follows: Set<string>;
	seen: Set<string>;
	adultContent: boolean;
}

/** What ranks the pool for one viewer: whom they follow, which of its clips they have seen, whether they see adult content. One query. */
async function viewerFacts(db: D1Database, viewer: string, pool: Pooled[]): Promise<ViewerFacts> {
	const { results } = await db
		.prepare(
			`SELECT 'follow' AS kind, subject AS value FROM follows WHERE did = ?1
			 UNION ALL SELECT 'seen', clip_uri FROM seen WHERE did = ?1 AND clip_uri IN (SELECT value FROM json_each(?2))
			 UNION ALL SELECT 'adult', '' FROM preferences WHERE did = ?1 AND adult_content = 1`,
		)
		.bind(viewer, JSON.stringify(pool.map((clip) => clip.uri)))
		.all<{ kind: 'follow' | 'seen' | 'adult'; value: string }>();
	const of = (kind: string) => new Set(results.flatMap((row) => (row.kind === kind ? [row.value] : [])));
	return { follows: of('follow'), seen: of('seen'), adultContent: results.some((row) => row.kind === 'adult') };
}

/** The viewer's candidates: the pool narrowed to what they may see (and have not seen, unless rewatching). */
function personal(pool: Pooled[], own: ViewerFacts, includeSeen: boolean) {
	const theirs = pool.filter((clip) => (own.adultContent || !clip.adult) && (includeSeen || !own.seen.has(clip.uri)));
	return candidatesOf(theirs).map((clip) => ({ ...clip, followedByViewer: own.follows.has(clip.author) }));
}

async function markSeen(db: D1Database, viewer: string, uris: string[], now: number): Promise<void> {
	await db
		.prepare('INSERT OR IGNORE INTO seen (did, clip_uri, seen_at) SELECT ?1, value, ?2 FROM json_each(?3)')
		.bind(viewer, new Date(now).toISOString(), JSON.stringify(uris))
		.run();
}
