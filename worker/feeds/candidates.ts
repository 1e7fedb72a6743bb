import { adultLabelled, COMMENTERS, LIKERS, VISIBLE, visibleRemixCount } from '../views/visibility.ts';
import { CANDIDATES_PER_AUTHOR, type Candidate } from './ranking.ts';

/** How far back the rankings look, and how many candidates they score per request. */
const WINDOW_DAYS = 14;
const MAX_CANDIDATES = 1000;
/**
 * The pool is shared by every viewer and narrowed for each afterwards (`candidatesOf`), so it is
 * drawn this many times wider: what one viewer has seen or may not see leaves room for the next
 * clips of the same author, as when each viewer's pool was drawn for them.
 */
const POOL_SLACK = 3;

export interface PoolQuery {
	/** `FROM …` naming the clip `c` and its author's account row `a`. */
	from: string;
	/** `AND …` conditions narrowing the clips. */
	where?: string;
}

/**
 * The one query behind every ranking (For You, the feed generator's), the same for every viewer: the
 * newest shown clips of the last WINDOW_DAYS, a bounded number per author (nobody fills the pool by
 * writing more), newest first, each with the signals `score` weighs, counting people, and whether it
 * carries an adult label. Nothing in it depends on who asks, so it is computed once and shared
 * (worker/feeds/pool.ts).
 */
export function poolQuery({ from, where = '' }: PoolQuery): string {
	return `WITH pool AS (
	  SELECT * FROM (
	    SELECT c.uri AS uri, c.sort_at AS at, ROW_NUMBER() OVER (PARTITION BY c.did ORDER BY c.sort_at DESC) AS nth
	    ${from}
	    WHERE ${VISIBLE} AND c.sort_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-${WINDOW_DAYS} days') ${where}
	    GROUP BY c.uri)
	  WHERE nth <= ${POOL_SLACK * CANDIDATES_PER_AUTHOR} ORDER BY at DESC LIMIT ${POOL_SLACK * MAX_CANDIDATES})
	SELECT pool.uri, c.did AS author, c.sort_at AS sortAt, c.is_remix AS isRemix, ${adultLabelled('c')} AS adult,
	  ${LIKERS('c')} AS likes, ${COMMENTERS('c')} AS comments, ${visibleRemixCount('c')} AS remixes
	FROM pool JOIN clips c ON c.uri = pool.uri ORDER BY pool.at DESC, pool.uri DESC`;
}

/** A clip of the shared pool: its signals, and whether only viewers who turned adult content on may see it. */
export type Pooled = Omit<Candidate, 'followedByViewer'> & { adult: boolean };

/** A row of `poolQuery`, as SQL returns it. */
type PoolRow = Omit<Pooled, 'isRemix' | 'adult'> & { isRemix: number; adult: number };

export async function loadPool(db: D1Database, query: PoolQuery): Promise<Pooled[]> {
	const { results } = await db.prepare(poolQuery(query)).all<PoolRow>();
	return results.map((row) => ({ ...row, isRemix: row.isRemix === 1, adult: row.adult === 1 }));
}

/**
 * One viewer's candidates out of the pool (newest first), after the pool was narrowed for them: at
 * most CANDIDATES_PER_AUTHOR per author and MAX_CANDIDATES in all.
 */
export function candidatesOf<T extends { author: string }>(pool: T[]): T[] {
	const perAuthor = new Map<string, number>();
	const chosen: T[] = [];
	for (const clip of pool) {
		const n = perAuthor.get(clip.author) ?? 0;
		if (n >= CANDIDATES_PER_AUTHOR) continue;
		perAuthor.set(clip.author, n + 1);
		chosen.push(clip);
		if (chosen.length === MAX_CANDIDATES) break;
	}
	return chosen;
}
