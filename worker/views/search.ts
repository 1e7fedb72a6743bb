import { InvalidRequestError } from '@atcute/xrpc-server';
import { COLUMNS, FROM, type ClipRow } from './clip-rows.ts';
import { decodeCursor, encodeCursor, type Position } from './cursor.ts';
import type { AuthorColumns } from './profile-view.ts';
import { viewerSees, VISIBLE } from './visibility.ts';

/**
 * `q` as an FTS5 query: its words (at most 8), all required, the last also as a prefix so that
 * results follow typing. Only letters, digits and marks pass, always quoted: the caller's text is
 * never read as FTS5 syntax. Undefined when `q` has no word.
 */
export function matchQuery(q: string): string | undefined {
	const words = q.normalize('NFKC').match(/[\p{L}\p{N}\p{M}]+/gu)?.slice(0, 8);
	if (!words) return undefined;
	return words.map((word, i) => `"${word}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

export type SearchSort = 'latest' | 'top';

/** Where a page of search results ends: `top` orders by likers first, so its cursor carries them. */
export interface SearchPosition extends Position {
	likes: number;
}

export function encodeSearchCursor(sort: SearchSort, last: ClipRow): string {
	const position = encodeCursor({ sortAt: last.sortAt, uri: last.uri });
	return sort === 'top' ? `${last.like_count}:${position}` : position;
}

export function decodeSearchCursor(sort: SearchSort, cursor: string | undefined): SearchPosition | undefined {
	if (cursor === undefined) return undefined;
	if (sort === 'latest') return { likes: 0, ...decodeCursor(cursor)! };
	const at = cursor.indexOf(':');
	const likes = Number(cursor.slice(0, at));
	if (at < 1 || !Number.isSafeInteger(likes) || likes < 0) throw new InvalidRequestError({ message: 'invalid cursor' });
	return { likes, ...decodeCursor(cursor.slice(at + 1))! };
}

const ORDER: Record<SearchSort, { after: string; by: string }> = {
	latest: {
		after: '(c.sort_at < ?4 OR (c.sort_at = ?4 AND c.uri < ?5))',
		by: 'c.sort_at DESC, c.uri DESC',
	},
	top: {
		after: '(like_count < ?3 OR (like_count = ?3 AND (c.sort_at < ?4 OR (c.sort_at = ?4 AND c.uri < ?5))))',
		by: 'like_count DESC, c.sort_at DESC, c.uri DESC',
	},
};

export interface ClipSearch {
	/** An FTS5 query from matchQuery. */
	match?: string;
	/** A tag, normalised as the index keys tags. */
	tag?: string;
	sort: SearchSort;
	limit: number;
	after?: SearchPosition;
	/** Blocks, mutes and adult-content preferences apply as in the feeds. */
	viewer?: string | undefined;
}

/**
 * A search reads at most this many matches of its words, and of its tag: the newest indexed. A word
 * in every clip then costs what a rarer one does, and `top` ranks the recent matches, not all time.
 */
export const MAX_MATCHES = 1000;

/** Clips matching the text and/or tag, under the feeds' visibility rules, in `sort` order. */
export async function searchClips(db: D1Database, search: ClipSearch): Promise<ClipRow[]> {
	const order = ORDER[search.sort];
	// MATCH is only written when there are words: FTS5 refuses a NULL query rather than matching nothing.
	// `+c.uri` keeps the planner from driving the query by the matches: it walks clips in page order
	// and checks each against the (materialised) matches, so a word in every clip stops after one
	// page instead of judging every match's visibility, and a rare word costs one pass of an index.
	// Both match sets are the MAX_MATCHES most recently indexed, which bounds what a common word costs.
	const text =
		search.match === undefined
			? ''
			: `AND +c.uri IN (SELECT key FROM search_docs WHERE id IN (SELECT rowid FROM clip_text WHERE clip_text MATCH ?1 ORDER BY rowid DESC LIMIT ${MAX_MATCHES}))`;
	const { results } = await db
		.prepare(
			`SELECT ${COLUMNS} ${FROM}
			 WHERE (?2 IS NULL OR +c.uri IN (SELECT clip_uri FROM clip_tags WHERE tag = ?2 ORDER BY rowid DESC LIMIT ${MAX_MATCHES})) ${text}
			   AND ${VISIBLE} AND ${viewerSees('c', '?7', true)}
			   AND (?5 IS NULL OR ${order.after})
			 ORDER BY ${order.by} LIMIT ?6`,
		)
		.bind(search.match ?? null, search.tag ?? null, search.after?.likes ?? null, search.after?.sortAt ?? null, search.after?.uri ?? null, search.limit, search.viewer ?? null)
		.all<ClipRow>();
	return results;
}

/**
 * Active accounts whose handle starts with `q` (on actors_by_handle) or a word of whose display
 * name starts with `match`'s words, most followed first.
 */
export async function searchActors(db: D1Database, q: string, match: string | undefined, limit: number): Promise<AuthorColumns[]> {
	const prefix = q.toLowerCase().replace(/^@/, '');
	const names = match === undefined ? '' : 'UNION SELECT d.key FROM actor_text JOIN search_docs d ON d.id = actor_text.rowid WHERE actor_text MATCH ?2';
	const { results } = await db
		.prepare(
			`SELECT a.did, a.handle, a.display_name, a.avatar_cid, a.pds FROM actors a LEFT JOIN follower_counts f ON f.subject = a.did
			 WHERE a.active = 1 AND a.did IN (
			   SELECT did FROM actors WHERE handle >= ?1 AND handle < ?1 || char(1114111) ${names})
			 ORDER BY COALESCE(f.n, 0) DESC, a.handle LIMIT ?3`,
		)
		.bind(prefix, match ?? null, limit)
		.all<AuthorColumns>();
	return results;
}
