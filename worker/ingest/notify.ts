import { facetsOf } from '../facets.ts';
import { CLIP, COMMENT, CONSENT, FOLLOW, LIKE, REMIX } from '../nsid.ts';
import { MAX_CHAIN } from '../views/visibility.ts';
import type { IndexWrite } from './index-record.ts';

/**
 * The notifications a write implies, as statements for the same batch as the write itself: written
 * exactly when the index changes, replays and stale revisions (which change nothing) add nothing.
 * Each selects its recipients from the index and skips the author; `UNIQUE (uri, recipient)` with
 * INSERT OR IGNORE makes the first reason listed win and an edit notify only people it newly names.
 * A deleted (or no longer valid) record takes its notifications with it.
 */
export function notificationStatements(db: D1Database, write: IndexWrite, indexedAt: string): D1PreparedStatement[] {
	if (!write.record) return [db.prepare('DELETE FROM notifications WHERE uri = ?1').bind(write.uri)];
	const notify = (reason: string, subject: string | null, recipients: string, ...bindings: unknown[]) =>
		db
			.prepare(
				`INSERT OR IGNORE INTO notifications (recipient, reason, author, uri, subject, indexed_at)
				 SELECT recipient, '${reason}', ?1, ?2, ?3, ?4 FROM (${recipients}) WHERE recipient IS NOT NULL AND recipient != ?1`,
			)
			.bind(write.did, write.uri, subject, indexedAt, ...bindings);
	const mentioned = (text: string | undefined, subject: string) =>
		notify('mention', subject, 'SELECT a.did AS recipient FROM actors a WHERE a.handle IN (SELECT value FROM json_each(?5))', JSON.stringify(facetsOf(text).mentions));

	switch (write.collection) {
		case LIKE: {
			const subject = write.record.subject.uri;
			return [notify('like', subject, 'SELECT did AS recipient FROM clips WHERE uri = ?3')];
		}
		case COMMENT: {
			const { subject, reply, text } = write.record;
			return [
				...(reply ? [notify('reply', subject.uri, 'SELECT did AS recipient FROM comments WHERE uri = ?5', reply.parent.uri)] : []),
				notify('comment', subject.uri, 'SELECT did AS recipient FROM clips WHERE uri = ?3'),
				mentioned(text, subject.uri),
			];
		}
		case CONSENT:
			// A renewed or changed grant starts the countdown again.
			return [
				db.prepare(`DELETE FROM notifications WHERE uri = ?1 AND reason = 'consentExpiring'`).bind(write.uri),
				expiringConsentNotices(db, indexedAt, write.uri),
			];
		case FOLLOW:
			// Only people the index knows: following any Bluesky account does not make them Dreamreel users.
			return [notify('follow', null, 'SELECT did AS recipient FROM actors WHERE did = ?5', write.record.subject)];
		case CLIP:
		case REMIX: {
			const record = write.record;
			const statements = [notify('featured', write.uri, 'SELECT value AS recipient FROM json_each(?5)', JSON.stringify(record.cameos ?? []))];
			if (record.$type === REMIX) {
				// Everyone up the chain: a remix of a remix of my clip is still made from mine.
				statements.push(
					notify(
						'remix',
						write.uri,
						`WITH RECURSIVE up(did, parent, depth) AS (
						   SELECT did, parent_uri, 1 FROM clip_index WHERE uri = ?5
						   UNION ALL SELECT k.did, k.parent_uri, up.depth + 1 FROM clip_index k JOIN up ON k.uri = up.parent WHERE up.depth < ${MAX_CHAIN})
						 SELECT DISTINCT did AS recipient FROM up`,
						record.parent.uri,
					),
				);
			}
			statements.push(mentioned(record.caption, write.uri));
			return statements;
		}
		default:
			return [];
	}
}

/** How long before a consent expires its owner is told, so they can renew it in time. */
export const CONSENT_NOTICE_MS = 3 * 24 * 3_600_000;

/**
 * Tells the owners of consents expiring within CONSENT_NOTICE_MS of `now` (of the one at `uri` only,
 * when given): once per expiry, since a notice already there is kept (`UNIQUE (uri, recipient)`).
 * Run as each consent is indexed and by the Ingester's sweep, for the consents time brings near.
 */
export function expiringConsentNotices(db: D1Database, now: string, uri?: string): D1PreparedStatement {
	const until = new Date(Date.parse(now) + CONSENT_NOTICE_MS).toISOString();
	return db
		.prepare(
			`INSERT OR IGNORE INTO notifications (recipient, reason, author, uri, indexed_at, detail)
			 SELECT did, 'consentExpiring', did, uri, ?1, json_object('expiresAt', expires_at) FROM consents
			 WHERE expires_at > ?1 AND expires_at <= ?2 AND (?3 IS NULL OR uri = ?3)`,
		)
		.bind(now, until, uri ?? null);
}
