import type { AppContext } from '../context.ts';
import { IsolateCache } from '../isolate-cache.ts';

/** Viewers this isolate has seen in the index recently: spares a D1 round trip on every timeline read. */
const known = new IsolateCache<true>(60_000, 10_000);

/**
 * A signed-in viewer the index has never seen (someone who follows people but has posted nothing
 * here) is brought in on their first visit: their follows are read from their repo, so their
 * timeline fills without waiting for them to follow anyone anew.
 */
export async function ensureKnownViewer(app: Pick<AppContext, 'db' | 'ingester'>, viewer: string, now = Date.now()): Promise<void> {
	if (known.get(viewer, now)) return;
	const indexed = await app.db.prepare('SELECT 1 FROM actors WHERE did = ?1').bind(viewer).first();
	if (!indexed) await app.ingester().discover(viewer);
	known.set(viewer, true, now);
}
