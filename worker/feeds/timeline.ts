import type { AppContext } from '../context.ts';
import { clipsByUri, type ClipRow } from '../views/clip-rows.ts';
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
 */
export async function timelinePage(
	app: Pick<AppContext, 'db' | 'timeline' | 'config'>,
	viewer: string,
	limit: number,
	after?: Position,
): Promise<{ rows: ClipRow[]; last?: Position }> {
	const [pushed, pulled] = await Promise.all([
		app.timeline(viewer).page(limit, after),
		bigCreatorsClips(app.db, viewer, app.config.fanoutMaxFollowers, limit, after),
	]);
	const merged = dedupe([...pushed, ...pulled].sort(newestFirst)).slice(0, limit);
	const rows = await clipsByUri(app.db, merged.map((item) => item.uri), viewer, true, true);
	return { rows, last: merged.length === limit ? merged.at(-1) : undefined };
}

async function bigCreatorsClips(db: D1Database, viewer: string, maxFollowers: number, limit: number, after?: Position): Promise<TimelineItem[]> {
	const { results } = await db
		.prepare(
			`SELECT c.uri, c.did AS author, c.sort_at AS sortAt FROM clips c
			 WHERE c.did IN (SELECT f.subject FROM follows f JOIN follower_counts n ON n.subject = f.subject
			                 WHERE f.did = ?1 AND n.n > ?2)
			   AND (?3 IS NULL OR c.sort_at < ?3 OR (c.sort_at = ?3 AND c.uri < ?4))
			 ORDER BY c.sort_at DESC, c.uri DESC LIMIT ?5`,
		)
		.bind(viewer, maxFollowers, after?.sortAt ?? null, after?.uri ?? null, limit)
		.all<TimelineItem>();
	return results;
}

function newestFirst(a: TimelineItem, b: TimelineItem): number {
	return a.sortAt === b.sortAt ? (a.uri < b.uri ? 1 : -1) : a.sortAt < b.sortAt ? 1 : -1;
}

function dedupe(items: TimelineItem[]): TimelineItem[] {
	return items.filter((item, i) => i === 0 || item.uri !== items[i - 1]!.uri);
}
