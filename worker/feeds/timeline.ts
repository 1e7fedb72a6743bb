import type { AppContext } from '../context.ts';
import { COLUMNS, FROM, viewerState, type ClipRow } from '../views/clip-rows.ts';
import { viewerSees, VISIBLE } from '../views/visibility.ts';
import type { Position } from '../views/cursor.ts';

/** One clip in a viewer's timeline (a Timeline object's row, or a big creator's clip merged in). */
export interface TimelineItem {
	uri: string;
	author: string;
	sortAt: string;
}

/**
 * A page of the viewer's following timeline: what was pushed to their Timeline object, merged with
 * the recent clips of the big creators they follow (never pushed), newest first. Hidden clips
 * (consent, remix policy, deleted, deactivated, blocked or muted) are dropped when the page is hydrated.
 * After the object's page, one D1 statement merges, cuts the page and hydrates what of it is shown.
 */
export async function timelinePage(
	app: Pick<AppContext, 'db' | 'timeline' | 'config'>,
	viewer: string,
	limit: number,
	after?: Position,
): Promise<{ rows: ClipRow[]; last?: Position }> {
	const pushed = await app.timeline(viewer).page(limit, after);
	const { results } = await app.db
		.prepare(MERGED_PAGE)
		.bind(JSON.stringify(pushed.map((item) => [item.uri, item.sortAt])), after?.sortAt ?? null, after?.uri ?? null, limit, viewer, app.config.fanoutMaxFollowers)
		.all<PageRow>();
	const last = results.length === limit ? results.at(-1) : undefined;
	return { rows: results.flatMap(({ pageUri: _uri, pageSortAt: _at, ...row }) => (row.uri ? [row] : [])), last: last && { sortAt: last.pageSortAt, uri: last.pageUri } };
}

/** A merged page's position, with the clip's columns when it is shown (NULL otherwise). */
type PageRow = ClipRow & { pageUri: string; pageSortAt: string };

/**
 * ?1 the pushed items as [uri, sortAt] pairs, ?2/?3 the cursor, ?4 the limit, ?5 the viewer, ?6 the
 * follower count above which a creator is merged in here rather than pushed. The page is cut before
 * visibility is judged, so the cursor moves past hidden clips as it always has.
 */
const MERGED_PAGE = `WITH pulled AS (
    SELECT c.uri, c.sort_at FROM clips c
     WHERE c.did IN (SELECT f.subject FROM follows f JOIN follower_counts n ON n.subject = f.subject WHERE f.did = ?5 AND n.n > ?6)
       AND (?2 IS NULL OR c.sort_at < ?2 OR (c.sort_at = ?2 AND c.uri < ?3))
     ORDER BY c.sort_at DESC, c.uri DESC LIMIT ?4),
  page AS (
    SELECT uri, MAX(sort_at) AS sort_at FROM (
      SELECT json_extract(value, '$[0]') AS uri, json_extract(value, '$[1]') AS sort_at FROM json_each(?1)
      UNION ALL SELECT uri, sort_at FROM pulled)
     GROUP BY uri ORDER BY sort_at DESC, uri DESC LIMIT ?4)
  SELECT page.uri AS pageUri, page.sort_at AS pageSortAt, shown.* FROM page LEFT JOIN (
    SELECT ${COLUMNS}, ${viewerState('?5')} ${FROM}
     WHERE c.uri IN (SELECT uri FROM page) AND ${VISIBLE} AND ${viewerSees('c', '?5', true)}) shown ON shown.uri = page.uri
  ORDER BY page.sort_at DESC, page.uri DESC`;
