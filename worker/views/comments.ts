import type { $type } from '@atcute/lexicons';
import type { VideoDreamreelDefs } from '../lexicons/index.ts';
import type { Position } from './cursor.ts';
import { profileView } from './profile-view.ts';
import { storedRecord } from '../ingest/records.ts';
import { COMMENT } from '../nsid.ts';
import { commentShown, labelsOn } from './visibility.ts';

type CommentView = $type.enforce<VideoDreamreelDefs.CommentView>;

interface CommentRow {
	uri: string;
	cid: string;
	did: string;
	handle: string | null;
	display_name: string | null;
	thread_uri: string | null;
	record: string;
	indexed_at: string;
	sortAt: string;
	author_labels: string | null;
}

const COLUMNS = `m.uri, m.cid, m.did, a.handle, a.display_name, m.thread_uri, m.record, m.indexed_at, m.sort_at AS sortAt, ${labelsOn('m.did')} AS author_labels`;
const FROM = `FROM comments m JOIN actors a ON a.did = m.did AND a.active = 1`;

/** Replies shown under each top-level comment of a page. */
const MAX_REPLIES = 50;

/** A page of top-level comments shown to `viewer`, newest first, each with its thread's replies oldest first. */
export async function commentPage(db: D1Database, clipUri: string, limit: number, after?: Position, viewer?: string): Promise<{ rows: Position[]; comments: CommentView[] }> {
	const { results: top } = await db
		.prepare(
			`SELECT ${COLUMNS} ${FROM} WHERE m.subject_uri = ?1 AND m.thread_uri IS NULL AND ${commentShown('m', '?5')}
			 AND (?2 IS NULL OR m.sort_at < ?2 OR (m.sort_at = ?2 AND m.uri < ?3))
			 ORDER BY m.sort_at DESC, m.uri DESC LIMIT ?4`,
		)
		.bind(clipUri, after?.sortAt ?? null, after?.uri ?? null, limit, viewer ?? null)
		.all<CommentRow>();
	if (top.length === 0) return { rows: [], comments: [] };
	const { results: replies } = await db
		.prepare(
			`SELECT * FROM (
			   SELECT ${COLUMNS}, ROW_NUMBER() OVER (PARTITION BY m.thread_uri ORDER BY m.sort_at) AS n
			   ${FROM} WHERE m.thread_uri IN (SELECT value FROM json_each(?1)) AND ${commentShown('m', '?3')}
			 ) WHERE n <= ?2 ORDER BY sortAt`,
		)
		.bind(JSON.stringify(top.map((row) => row.uri)), MAX_REPLIES, viewer ?? null)
		.all<CommentRow>();
	return {
		rows: top,
		comments: top.map((row) => ({ ...commentView(row), replies: replies.filter((reply) => reply.thread_uri === row.uri).map(commentView) })),
	};
}

function commentView(row: CommentRow): CommentView {
	return {
		$type: 'video.dreamreel.defs#commentView',
		uri: row.uri as CommentView['uri'],
		cid: row.cid,
		author: profileView(row),
		record: storedRecord(COMMENT, row.record),
		replies: [],
		indexedAt: row.indexed_at as CommentView['indexedAt'],
	};
}
