import { InvalidRequestError } from '@atcute/xrpc-server';
import { viewerSees, videoShown } from '../views/visibility.ts';
import type { FeedKey } from './catalog.ts';
import { anonymousOrder, everyoneOrder, pageOf, sharedPool } from './pool.ts';

export interface SkeletonItem {
	post: string;
	feedContext?: string;
}

export interface SkeletonPage {
	items: SkeletonItem[];
	cursor?: string;
}

type Algorithm = (db: D1Database, viewer: string | undefined, limit: number, cursor: string | undefined) => Promise<SkeletonPage>;

/** How each feed of the catalog is computed. Items are the Bluesky posts that share Dreamreel clips. */
export const algorithms: Record<FeedKey, Algorithm> = {
	following,
	trending: (db, viewer, limit, cursor) => ranked(db, 'trending', viewer, limit, cursor),
	remixes: (db, viewer, limit, cursor) => ranked(db, 'remixes', viewer, limit, cursor),
};

/**
 * Clips that have a cross-post, joined to it: the feed serves the post, the rules apply to the clip,
 * and to every other clip in which the author published the same video (the post carries its bytes).
 */
const SHARED = `FROM crossposts x JOIN clips c ON c.did = x.did AND c.video_cid = x.video_cid JOIN actors a ON a.did = c.did`;
/** VISIBLE needs no second evaluation: the clip itself is among the author's clips of that video `videoShown` judges. */
const SHOWN = videoShown('c.video_cid', 'c.did');

/** The ranked feeds' pools. Their SQL, like every statement here, is built once: a page only binds. */
const POOLS = {
	trending: { from: SHARED, where: `AND ${videoShown('x.video_cid', 'x.did')}` },
	remixes: {
		from: SHARED,
		where: `AND ${videoShown('x.video_cid', 'x.did')} AND c.is_remix = 1 AND c.sort_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')`,
	},
};

/** Signed in: the people the requester follows. Anonymous: everyone (the public version). */
async function following(db: D1Database, viewer: string | undefined, limit: number, cursor: string | undefined): Promise<SkeletonPage> {
	const [sortAt, uri] = cursor ? cursor.split('::') : [];
	if (cursor && (!sortAt || !uri)) throw new InvalidRequestError({ message: 'invalid cursor' });
	const { results } = await db
		.prepare(FOLLOWING_PAGE)
		.bind(viewer ?? null, sortAt ?? null, uri ?? null, limit)
		.all<{ post: string; sortAt: string }>();
	const last = results.at(-1);
	return {
		items: results.map((row) => ({ post: row.post })),
		...(results.length === limit && last ? { cursor: `${last.sortAt}::${last.post}` } : {}),
	};
}

const FOLLOWING_PAGE = `SELECT x.uri AS post, c.sort_at AS sortAt, x.uri ${SHARED}
 WHERE ${SHOWN} AND ${viewerSees('c', '?1', true)} AND (?1 IS NULL OR c.did IN (SELECT subject FROM follows WHERE did = ?1))
   AND (?2 IS NULL OR c.sort_at < ?2 OR (c.sort_at = ?2 AND x.uri < ?3))
 ORDER BY c.sort_at DESC, x.uri DESC LIMIT ?4`;

async function ranked(db: D1Database, key: keyof typeof POOLS, viewer: string | undefined, limit: number, cursor: string | undefined): Promise<SkeletonPage> {
	const offset = cursor === undefined ? 0 : Number(cursor);
	if (!Number.isInteger(offset) || offset < 0) throw new InvalidRequestError({ message: 'invalid cursor' });
	const pool = await sharedPool(db, key, POOLS[key]);
	const order = viewer ? everyoneOrder(pool) : anonymousOrder(pool);
	const { page, next } = await pageOf(order, offset, limit, (window) => sharedPosts(db, window, viewer));
	return {
		items: page.map(({ item, value: post }) => ({ post, feedContext: item.reason })),
		...(next !== undefined ? { cursor: String(next) } : {}),
	};
}

/** Of these clips, those the viewer is shown now, each with its newest cross-post (the item served). */
async function sharedPosts(db: D1Database, clips: { uri: string }[], viewer: string | undefined): Promise<Map<string, string>> {
	const { results } = await db
		.prepare(SHARED_POSTS)
		.bind(viewer ?? null, JSON.stringify(clips.map((clip) => clip.uri)))
		.all<{ uri: string; post: string }>();
	return new Map(results.map((row) => [row.uri, row.post]));
}

const SHARED_POSTS = `SELECT c.uri, MAX(x.uri) AS post ${SHARED}
 WHERE c.uri IN (SELECT value FROM json_each(?2)) AND ${SHOWN} AND ${viewerSees('c', '?1', true)}
 GROUP BY c.uri`;
