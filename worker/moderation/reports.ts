import type { ComAtprotoModerationCreateReport } from '@atcute/atproto';
import { isResourceUri, parseResourceUri } from '@atcute/lexicons/syntax';
import { InvalidRequestError } from '@atcute/xrpc-server';
import { CLIP, COMMENT, REMIX } from '../nsid.ts';

type Input = ComAtprotoModerationCreateReport.$input;
export type Report = ComAtprotoModerationCreateReport.$output;

/** The reason types of com.atproto.moderation.defs, and Ozone's finer ones (tools.ozone.report.defs). */
const REASON = /^(com\.atproto\.moderation\.defs#reason(Spam|Violation|Misleading|Sexual|Rude|Other|Appeal)|tools\.ozone\.report\.defs#reason[A-Z][A-Za-z]{1,60})$/;
const APPEAL = /#reasonAppeal$/;

/** What can be reported here: what Dreamreel shows. */
const REPORTABLE = new Set<string>([CLIP, REMIX, COMMENT]);

/** The subject as stored: whose, and which record (none for an account). */
interface Subject {
	did: string;
	uri?: string;
	cid?: string;
}

/**
 * Checks a report and keeps it, within `perHour` reports per reporter (counted in the same statement
 * that inserts, so concurrent reports cannot overrun it). Null when the reporter is over the limit.
 */
export async function fileReport(db: D1Database, reporter: string, input: Input, perHour: number, now = new Date()): Promise<Report | null> {
	if (!REASON.test(input.reasonType)) throw new InvalidRequestError({ message: `unknown reasonType ${input.reasonType}` });
	const subject = await knownSubject(db, input.subject);
	if (APPEAL.test(input.reasonType) && subject.did !== reporter) throw new InvalidRequestError({ message: 'only the author may appeal' });
	const createdAt = now.toISOString();
	const row = await db
		.prepare(
			`INSERT INTO reports (reporter, reason_type, reason, subject_did, subject_uri, subject_cid, created_at)
			 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
			 WHERE (SELECT COUNT(*) FROM reports WHERE reporter = ?1 AND created_at > ?8) < ?9
			 RETURNING id`,
		)
		.bind(reporter, input.reasonType, input.reason ?? null, subject.did, subject.uri ?? null, subject.cid ?? null, createdAt, new Date(now.getTime() - 3_600_000).toISOString(), perHour)
		.first<{ id: number }>();
	if (!row) return null;
	return { id: row.id, reasonType: input.reasonType, ...(input.reason ? { reason: input.reason } : {}), subject: input.subject, reportedBy: reporter as Report['reportedBy'], createdAt: createdAt as Report['createdAt'] };
}

/** An account the index has seen, or a clip, remix or comment it holds (deleted clips too: their tombstone). */
async function knownSubject(db: D1Database, subject: Input['subject']): Promise<Subject> {
	if (subject.$type === 'com.atproto.admin.defs#repoRef') {
		const known = await db.prepare('SELECT 1 FROM actors WHERE did = ?1').bind(subject.did).first();
		if (!known) throw new InvalidRequestError({ message: `no account ${subject.did} here` });
		return { did: subject.did };
	}
	const parsed = isResourceUri(subject.uri) ? parseResourceUri(subject.uri) : undefined;
	if (!parsed?.collection || !REPORTABLE.has(parsed.collection)) {
		throw new InvalidRequestError({ message: 'the subject must be an account, or a clip, remix or comment shown here' });
	}
	const table = parsed.collection === COMMENT ? 'comments' : 'clip_index';
	const held = await db.prepare(`SELECT did FROM ${table} WHERE uri = ?1`).bind(subject.uri).first<{ did: string }>();
	if (!held) throw new InvalidRequestError({ message: `no record ${subject.uri} here` });
	return { did: held.did, uri: subject.uri, cid: subject.cid };
}
