import { facetsOf } from '../facets.ts';
import { CLIP, COMMENT, CONSENT, FOLLOW, LIKE, REMIX } from '../nsid.ts';
import { CLIP_CHAIN, type Row } from './batch-write.ts';
import type { IndexWrite } from './index-record.ts';

/**
 * The notifications a write implies, as rows for the same batch as the write itself: written exactly
 * when the index changes, replays and stale revisions (which change nothing) add nothing. Each
 * names where its recipients are found in the index (see `notify` in batch-write.ts), and `reads` the
 * records it looks them up in; the author is skipped. `UNIQUE (uri, recipient)` with INSERT OR
 * IGNORE makes the first reason listed win and an edit notify only people it newly names. A deleted
 * (or no longer valid) record takes its notifications with it.
 */
export function notificationRows(write: IndexWrite, indexedAt: string): { rows: Row[]; reads: string[] } {
	if (!write.record) return { rows: [['notificationDrop', [write.uri]]], reads: [] };
	const notify = (reason: string, subject: string | null, via: string, arg: unknown): Row => [
		'notify',
		[reason, write.did, write.uri, subject, indexedAt, via, typeof arg === 'string' ? arg : JSON.stringify(arg), null],
	];
	const mentioned = (text: string | undefined, subject: string) => notify('mention', subject, 'handles', facetsOf(text).mentions);

	switch (write.collection) {
		case LIKE: {
			const subject = write.record.subject.uri;
			return { rows: [notify('like', subject, 'clip', subject)], reads: [subject] };
		}
		case COMMENT: {
			const { subject, reply, text } = write.record;
			const rows = [
				...(reply ? [notify('reply', subject.uri, 'comment', reply.parent.uri)] : []),
				notify('comment', subject.uri, 'clip', subject.uri),
				mentioned(text, subject.uri),
			];
			return { rows, reads: [subject.uri, ...(reply ? [reply.parent.uri] : [])] };
		}
		case CONSENT: {
			// A renewed or changed grant starts the countdown again.
			const until = new Date(Date.parse(indexedAt) + CONSENT_NOTICE_MS).toISOString();
			return {
				rows: [['consentNoticeDrop', [write.uri]], ['notify', ['consentExpiring', write.did, write.uri, null, indexedAt, 'consent', write.uri, until]]],
				reads: [],
			};
		}
		case FOLLOW:
			// Only people the index knows: following any Bluesky account does not make them Dreamreel users.
			return { rows: [notify('follow', null, 'actor', write.record.subject)], reads: [] };
		case CLIP:
		case REMIX: {
			const record = write.record;
			const rows = [notify('featured', write.uri, 'dids', record.cameos ?? [])];
			// Everyone up the chain: a remix of a remix of my clip is still made from mine.
			if (record.$type === REMIX) rows.push(notify('remix', write.uri, 'chain', record.parent.uri));
			rows.push(mentioned(record.caption, write.uri));
			return { rows, reads: record.$type === REMIX ? [CLIP_CHAIN] : [] };
		}
		default:
			return { rows: [], reads: [] };
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
