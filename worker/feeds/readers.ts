import type { AppContext } from '../context.ts';
import { IsolateCache } from '../isolate-cache.ts';
import type { TimelineItem } from './timeline.ts';

/** Readers this isolate knows have a built timeline: spares a D1 round trip on every read. */
const built = new IsolateCache<true>(60_000, 10_000);

/** How much of the followed creators' recent clips a new reader's timeline starts with. */
export const FIRST_FILL = 1000;

/**
 * Fan-out pushes only to people who read their timeline here (migration 0017). A reader's first read
 * registers them, then fills their timeline with the recent clips of the creators they follow (those
 * not merged in at read time) and drops anything of creators they no longer follow (pushed before
 * they were a reader). In that order: from the registration on, fan-out includes them, and the fill
 * reads everything indexed before it, so no clip falls between. Until the fill succeeds `built` stays
 * 0 and the next read fills again; adding is idempotent.
 */
export async function ensureReader(app: Pick<AppContext, 'db' | 'timeline' | 'config'>, viewer: string, now = Date.now()): Promise<void> {
	if (built.get(viewer, now)) return;
	const [, state] = await app.db.batch<{ built: number }>([
		app.db.prepare('INSERT INTO timeline_readers (did, since) VALUES (?1, ?2) ON CONFLICT (did) DO NOTHING').bind(viewer, new Date(now).toISOString()),
		app.db.prepare('SELECT built FROM timeline_readers WHERE did = ?1').bind(viewer),
	]);
	if (state!.results[0]?.built !== 1) await fill(app, viewer);
	built.set(viewer, true, now);
}

async function fill(app: Pick<AppContext, 'db' | 'timeline' | 'config'>, viewer: string): Promise<void> {
	const [pushed, followed] = await app.db.batch<TimelineItem & { subject: string }>([
		app.db
			.prepare(
				`SELECT c.uri, c.did AS author, c.sort_at AS sortAt FROM clips c
				 WHERE c.did IN (SELECT f.subject FROM follows f LEFT JOIN follower_counts n ON n.subject = f.subject WHERE f.did = ?1 AND COALESCE(n.n, 0) <= ?2)
				 ORDER BY c.sort_at DESC, c.uri DESC LIMIT ?3`,
			)
			.bind(viewer, app.config.fanoutMaxFollowers, FIRST_FILL),
		app.db.prepare('SELECT DISTINCT subject FROM follows WHERE did = ?1').bind(viewer),
	]);
	const timeline = app.timeline(viewer);
	await timeline.keepAuthors(followed!.results.map((row) => row.subject));
	if (pushed!.results.length > 0) await timeline.add(pushed!.results);
	await app.db.prepare('UPDATE timeline_readers SET built = 1 WHERE did = ?1').bind(viewer).run();
}
