import { COMMENTERS, LIKERS, VISIBLE, visibleRemixCount } from '../views/visibility.ts';
import { CANDIDATES_PER_AUTHOR, type Candidate } from './ranking.ts';

/** How far back the rankings look, and how many candidates they score per request. */
const WINDOW_DAYS = 14;
const MAX_CANDIDATES = 1000;

export interface CandidateQuery {
	/** `FROM …` naming the clip `c` and its author's account row `a`. */
	from: string;
	/** `AND …` conditions narrowing the clips. */
	where?: string;
	/** Columns carried from `from` to each candidate (aggregates: the pool has one row per clip). */
	keep?: string;
	/** Further columns per candidate, over the clip `c`. */
	extra?: string;
}

/**
 * The one query behind every ranking (For You, the feed generator's): the newest shown clips of the
 * last WINDOW_DAYS, at most CANDIDATES_PER_AUTHOR per author (nobody fills the pool by writing
 * more) and MAX_CANDIDATES in all, each with the signals `score` weighs, counting people.
 */
export function candidatesQuery({ from, where = '', keep, extra }: CandidateQuery): string {
	return `WITH pool AS (
	  SELECT * FROM (
	    SELECT c.uri AS uri, c.sort_at AS at${keep ? `, ${keep}` : ''}, ROW_NUMBER() OVER (PARTITION BY c.did ORDER BY c.sort_at DESC) AS nth
	    ${from}
	    WHERE ${VISIBLE} AND c.sort_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-${WINDOW_DAYS} days') ${where}
	    GROUP BY c.uri)
	  WHERE nth <= ${CANDIDATES_PER_AUTHOR} ORDER BY at DESC LIMIT ${MAX_CANDIDATES})
	SELECT pool.*, c.did AS author, c.sort_at AS sortAt, c.is_remix AS isRemix,
	  ${LIKERS('c')} AS likes, ${COMMENTERS('c')} AS comments, ${visibleRemixCount('c')} AS remixes${extra ? `, ${extra}` : ''}
	FROM pool JOIN clips c ON c.uri = pool.uri`;
}

/** A row of `candidatesQuery`, as SQL returns it. */
export type CandidateRow = Omit<Candidate, 'isRemix' | 'followedByViewer'> & { isRemix: number; followedByViewer?: number };

export function toCandidate<T extends CandidateRow>(row: T): T & Candidate {
	return { ...row, isRemix: row.isRemix === 1, followedByViewer: row.followedByViewer === 1 };
}
