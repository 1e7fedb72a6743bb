import { SharedLoads } from '../isolate-cache.ts';
import { candidatesOf, loadPool, type Pooled, type PoolQuery } from './candidates.ts';
import { rank, type Ranked } from './ranking.ts';

/**
 * How long an isolate reuses a feed's pool (the costly part of a ranking: every candidate's counts and
 * visibility) and its anonymous order. New clips and likes reach the rankings this much later (a
 * little more while one request reloads it); what must not be shown never is, since every page is
 * judged afresh (`pageOf`).
 */
export const POOL_TTL_MS = 3000;

const pools = new SharedLoads<Pooled[]>(POOL_TTL_MS, 16);

/** The pool `key` names, loaded at most once per POOL_TTL_MS by this isolate (see SharedLoads: never another request's load). */
export function sharedPool(db: D1Database, key: string, query: PoolQuery, now = Date.now()): Promise<Pooled[]> {
	return pools.get(key, () => loadPool(db, query), now);
}

const anonymousOrders = new WeakMap<Pooled[], Ranked[]>();
const everyoneOrders = new WeakMap<Pooled[], Ranked[]>();

/** The ranking anonymous viewers get (no adult content), once per pool. */
export function anonymousOrder(pool: Pooled[], now = Date.now()): Ranked[] {
	return memo(anonymousOrders, pool, () => rank(candidatesOf(pool.filter((clip) => !clip.adult)).map(unfollowed), now));
}

/** The ranking of the whole pool, once per pool: a signed-in viewer's page drops what they may not see. */
export function everyoneOrder(pool: Pooled[], now = Date.now()): Ranked[] {
	return memo(everyoneOrders, pool, () => rank(candidatesOf(pool).map(unfollowed), now));
}

function memo(orders: WeakMap<Pooled[], Ranked[]>, pool: Pooled[], make: () => Ranked[]): Ranked[] {
	let order = orders.get(pool);
	if (!order) orders.set(pool, (order = make()));
	return order;
}

const unfollowed = (clip: Pooled) => ({ ...clip, followedByViewer: false });

/**
 * The next `limit` items of `order` from `offset` that `judge` shows (it answers with a value for each
 * clip shown, in one query per window), and where the page after starts. The pool may be seconds old,
 * so the page is judged afresh: visibility, blocks, mutes and labels as they stand now.
 */
export async function pageOf<T extends { uri: string }, V>(
	order: T[],
	offset: number,
	limit: number,
	judge: (window: T[]) => Promise<Map<string, V>>,
): Promise<{ page: { item: T; value: V }[]; next?: number }> {
	const page: { item: T; value: V }[] = [];
	let at = offset;
	while (page.length < limit && at < order.length) {
		// What is missing and a tenth more: one query fills the page unless many are hidden (rare).
		const missing = limit - page.length;
		const window = order.slice(at, at + missing + Math.ceil(missing / 10));
		const shown = await judge(window);
		for (const item of window) {
			at++;
			const value = shown.get(item.uri);
			if (value !== undefined) page.push({ item, value });
			if (page.length === limit) break;
		}
	}
	return { page, next: at < order.length ? at : undefined };
}
