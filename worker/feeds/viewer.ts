import type { AppContext } from '../context.ts';

/**
 * A signed-in viewer the index has never seen (someone who follows people but has posted nothing
 * here) is brought in on their first visit: their follows are read from their repo, so their
 * timeline fills without waiting for them to follow anyone anew.
 */
export async function ensureKnownViewer(ctx: Pick<AppContext, 'db' | 'ingester'>, viewer: string): Promise<void> {
	const known = await ctx.db.prepare('SELECT 1 FROM actors WHERE did = ?1').bind(viewer).first();
	if (!known) await ctx.ingester().discover(viewer);
}
