import { InvalidRequestError } from '@atcute/xrpc-server';
import type { AuthorColumns } from './profile-view.ts';
import { blockedBetween, hiddenReason, mutedBy, viewerSees, VISIBLE } from './visibility.ts';

/** A consent notice stands while the consent it warned about is the one in force (not renewed, changed or withdrawn). */
const STILL_EXPIRING = `EXISTS (SELECT 1 FROM consents k WHERE k.uri = n.uri AND k.expires_at = json_extract(n.detail, '$.expiresAt'))`;

/**
 * Whether notification `n` (its clip joined as `c`, the clip's author as `a`) may be shown to its
 * recipient: whoever acted is an active account (or the recipient, for notices about their own
 * consent and jobs), and the clip it is about is one the feeds show —
 * except 'featured', shown while the clip still names the recipient, hidden or not, so they can act.
 * Nothing from or to someone blocked either way, or muted by the recipient.
 */
const SHOWN = `(n.author = n.recipient OR EXISTS (SELECT 1 FROM actors who WHERE who.did = n.author AND who.active = 1))
  AND NOT ${blockedBetween('n.author', 'n.recipient')} AND NOT ${mutedBy('n.author', 'n.recipient')}
  AND (n.subject IS NULL
    OR (n.reason = 'featured' AND EXISTS (SELECT 1 FROM cameos f WHERE f.clip_uri = n.subject AND f.did = n.recipient))
    OR n.subject IN (SELECT uri FROM seeable))
  AND (n.reason != 'consentExpiring' OR ${STILL_EXPIRING})`;

/**
 * Only a recipient's newest WINDOW notifications are read: what it costs to judge and group them is
 * bounded however many likes a popular clip draws, and nobody pages back through a thousand.
 */
export const WINDOW = 1000;

/**
 * The window (`recent`), and which of its clips the recipient may see (`seeable`), judged once per
 * clip rather than once per notification: a clip's thousand likes share one verdict.
 */
const WITH = `WITH recent AS (SELECT * FROM notifications WHERE recipient = ?1 ORDER BY id DESC LIMIT ${WINDOW}),
  seeable AS (SELECT c.uri FROM clips c JOIN actors a ON a.did = c.did
    WHERE c.uri IN (SELECT subject FROM recent) AND ${VISIBLE} AND ${viewerSees('c', '?1')})`;

/** `c` and `a` are joined for hiddenReason, which 'featured' reports. */
const FROM = `FROM recent n LEFT JOIN clips c ON c.uri = n.subject LEFT JOIN actors a ON a.did = c.did`;

/** Likes of one clip are one item; everything else stands alone. */
const GROUP = `CASE WHEN n.reason = 'like' THEN 'like ' || n.subject ELSE CAST(n.id AS TEXT) END`;

export interface NotificationRow extends AuthorColumns {
	id: number;
	head: number;
	reason: string;
	uri: string;
	subject: string | null;
	indexed_at: string;
	author_count: number;
	hidden_reason: string | null;
	/** JSON, for notices that are not about a record (worker/db/migrations/0013). */
	detail: string | null;
}

/**
 * One page of `recipient`'s notification groups, newest first, each with its newest five people
 * (rows `head` apart, in order). Groups are ordered by their newest notification's id, which is also
 * the cursor: a group that grows moves to the top, never onto a later page twice.
 */
export async function notificationPage(db: D1Database, recipient: string, limit: number, before?: number): Promise<NotificationRow[]> {
	const { results } = await db
		.prepare(
			`${WITH}, shown AS (
			   SELECT n.*, ${GROUP} AS grp, CASE WHEN n.reason = 'featured' THEN ${hiddenReason('n.recipient')} END AS hidden_reason
			   ${FROM} WHERE ${SHOWN}),
			 heads AS (
			   SELECT grp, MAX(id) AS head, COUNT(DISTINCT author) AS author_count FROM shown GROUP BY grp
			   HAVING ?2 IS NULL OR MAX(id) < ?2 ORDER BY head DESC LIMIT ?3),
			 ranked AS (
			   SELECT s.*, h.head, h.author_count, ROW_NUMBER() OVER (PARTITION BY s.grp ORDER BY s.id DESC) AS rank
			   FROM shown s JOIN heads h ON h.grp = s.grp)
			 SELECT r.id, r.head, r.reason, r.uri, r.subject, r.indexed_at, r.author_count, r.hidden_reason, r.detail,
			        r.author AS did, p.handle, p.display_name, p.avatar_cid, p.pds
			 FROM ranked r LEFT JOIN actors p ON p.did = r.author WHERE r.rank <= 5 ORDER BY r.head DESC, r.id DESC`,
		)
		.bind(recipient, before ?? null, limit)
		.all<NotificationRow>();
	return results;
}

/** How many of `recipient`'s shown notifications arrived after they last marked them seen. */
export async function unreadCount(db: D1Database, recipient: string): Promise<number> {
	const row = await db
		.prepare(
			`${WITH} SELECT COUNT(*) AS count ${FROM}
			 WHERE n.indexed_at > COALESCE((SELECT seen_at FROM notifications_seen WHERE did = ?1), '') AND ${SHOWN}`,
		)
		.bind(recipient)
		.first<{ count: number }>();
	return row?.count ?? 0;
}

export async function seenAt(db: D1Database, did: string): Promise<string | undefined> {
	const row = await db.prepare('SELECT seen_at FROM notifications_seen WHERE did = ?1').bind(did).first<{ seen_at: string }>();
	return row?.seen_at;
}

/** Moves `did`'s seen mark to `at` (never backwards, never past now); returns where it stands. */
export async function markSeen(db: D1Database, did: string, at: string): Promise<string> {
	const now = new Date().toISOString();
	const mark = new Date(Math.min(Date.parse(at), Date.parse(now))).toISOString();
	const row = await db
		.prepare(
			`INSERT INTO notifications_seen (did, seen_at) VALUES (?1, ?2)
			 ON CONFLICT (did) DO UPDATE SET seen_at = MAX(seen_at, excluded.seen_at) RETURNING seen_at`,
		)
		.bind(did, mark)
		.first<{ seen_at: string }>();
	return row!.seen_at;
}

export function decodeNotificationCursor(cursor: string | undefined): number | undefined {
	if (cursor === undefined) return undefined;
	const id = Number(cursor);
	if (!/^\d{1,15}$/.test(cursor) || !Number.isSafeInteger(id)) throw new InvalidRequestError({ message: 'invalid cursor' });
	return id;
}
