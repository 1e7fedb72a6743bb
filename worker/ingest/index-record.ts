import type { RecordOp } from './events.ts';
import type { IndexedCollection } from './records.ts';

type Op = RecordOp & { did: string; collection: IndexedCollection };
type Row = Record<string, unknown>;

/**
 * The D1 statements that make the index hold `record` at `op.uri`, or nothing there when `record`
 * is null (a delete, or a record that failed validation).
 */
export function indexStatements(db: D1Database, op: Op, record: Row | null, indexedAt: string): D1PreparedStatement[] {
	switch (op.collection) {
		case 'video.dreamreel.clip':
		case 'video.dreamreel.remix':
			return clipStatements(db, op, record, indexedAt);
		case 'video.dreamreel.consent':
			return consentStatements(db, op, record, indexedAt);
		case 'app.bsky.graph.follow':
			return record
				? [db.prepare(
						// An upsert, not INSERT OR REPLACE: REPLACE's implicit delete fires no trigger,
						// and follower_counts is kept by triggers.
						`INSERT INTO follows (uri, did, subject, created_at) VALUES (?1, ?2, ?3, ?4)
						 ON CONFLICT (uri) DO UPDATE SET subject = excluded.subject, created_at = excluded.created_at`,
					).bind(op.uri, op.did, record.subject, record.createdAt)]
				: [db.prepare('DELETE FROM follows WHERE uri = ?1').bind(op.uri)];
		case 'app.bsky.actor.profile':
			return profileStatements(db, op, record);
		case 'video.dreamreel.like':
			return record
				? [db.prepare('INSERT OR REPLACE INTO likes (uri, did, subject_uri, created_at) VALUES (?1, ?2, ?3, ?4)')
						.bind(op.uri, op.did, (record.subject as StrongRef).uri, record.createdAt)]
				: [db.prepare('DELETE FROM likes WHERE uri = ?1').bind(op.uri)];
		case 'video.dreamreel.comment':
			return commentStatements(db, op, record, indexedAt);
		case 'app.bsky.feed.post': {
			const video = sharedVideo(record);
			return video
				? [db.prepare('INSERT OR REPLACE INTO crossposts (uri, did, video_cid, created_at) VALUES (?1, ?2, ?3, ?4)')
						.bind(op.uri, op.did, video, record!.createdAt)]
				: [db.prepare('DELETE FROM crossposts WHERE uri = ?1').bind(op.uri)];
		}
	}
}

type StrongRef = { uri: string; cid: string };

/** The video blob CID of a post with a video embed (alone or beside a quoted record). */
export function sharedVideo(record: Row | null | undefined): string | undefined {
	const embed = record?.embed as { $type?: string; video?: { ref?: { $link?: string } }; media?: Row } | undefined;
	if (embed?.$type === 'app.bsky.embed.video') return embed.video?.ref?.$link;
	if (embed?.$type === 'app.bsky.embed.recordWithMedia') return sharedVideo({ embed: embed.media });
	return undefined;
}

/** Sorts by the earlier of createdAt and indexedAt: a record cannot jump a list by claiming a future date. */
export function sortAt(createdAt: unknown, indexedAt: string): string {
	const claimed = Date.parse(String(createdAt));
	return claimed < Date.parse(indexedAt) ? new Date(claimed).toISOString() : indexedAt;
}

function commentStatements(db: D1Database, op: Op, record: Row | null, indexedAt: string): D1PreparedStatement[] {
	if (!record || op.action === 'delete') return [db.prepare('DELETE FROM comments WHERE uri = ?1').bind(op.uri)];
	const thread = (record.reply as { root: StrongRef } | undefined)?.root.uri ?? null;
	return [
		db
			.prepare(
				`INSERT OR REPLACE INTO comments (uri, cid, did, subject_uri, thread_uri, record, indexed_at, sort_at)
				 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
			)
			.bind(op.uri, op.cid, op.did, (record.subject as StrongRef).uri, thread, JSON.stringify(record), indexedAt, sortAt(record.createdAt, indexedAt)),
	];
}

/**
 * A deleted (or no longer valid) clip becomes a tombstone: its content goes, what the remix-chain
 * rules need of it stays (author, lineage, remix policy, cameos), so a remix below it is judged as if
 * it were still there.
 */
function clipStatements(db: D1Database, op: Op, record: Row | null, indexedAt: string): D1PreparedStatement[] {
	if (!record || op.action === 'delete') {
		return [db.prepare(`UPDATE clip_index SET deleted = 1, record = '{}' WHERE uri = ?1`).bind(op.uri)];
	}
	const parent = record.parent as StrongRef | undefined;
	const root = record.root as StrongRef | undefined;
	const createdAt = String(record.createdAt);
	const statements = [
		db.prepare('DELETE FROM cameos WHERE clip_uri = ?1').bind(op.uri),
		db
			.prepare(
				`INSERT INTO clip_index (uri, cid, did, is_remix, record, video_cid, parent_uri, parent_cid, root_uri, root_cid,
				   remix_policy, created_at, indexed_at, sort_at)
				 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
				 ON CONFLICT (uri) DO UPDATE SET cid = excluded.cid, record = excluded.record, video_cid = excluded.video_cid,
				   parent_uri = excluded.parent_uri, parent_cid = excluded.parent_cid, root_uri = excluded.root_uri,
				   root_cid = excluded.root_cid, remix_policy = excluded.remix_policy, created_at = excluded.created_at, deleted = 0`,
			)
			.bind(
				op.uri, op.cid, op.did, op.collection === 'video.dreamreel.remix' ? 1 : 0, JSON.stringify(record),
				(record.video as { ref: { $link: string } }).ref.$link,
				parent?.uri ?? null, parent?.cid ?? null, root?.uri ?? null, root?.cid ?? null,
				record.remixPolicy ?? 'everyone', createdAt, indexedAt, sortAt(createdAt, indexedAt),
			),
	];
	for (const cameo of new Set((record.cameos as string[] | undefined) ?? [])) {
		statements.push(db.prepare('INSERT INTO cameos (clip_uri, did) VALUES (?1, ?2)').bind(op.uri, cameo));
	}
	return statements;
}

function consentStatements(db: D1Database, op: Op, record: Row | null, indexedAt: string): D1PreparedStatement[] {
	// One consent per person lives at rkey `self`; any other rkey is not a grant.
	if (op.rkey !== 'self') return [];
	if (!record || op.action === 'delete') return [db.prepare('DELETE FROM consents WHERE did = ?1').bind(op.did)];
	return [
		db
			.prepare(
				`INSERT OR REPLACE INTO consents (did, uri, cid, audience, allowed, allow_remix, expires_at, record, created_at, indexed_at)
				 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
			)
			.bind(
				op.did, op.uri, op.cid, record.audience, JSON.stringify(record.allowed ?? []), record.allowRemix === false ? 0 : 1,
				// Normalised to UTC ISO so that SQL compares expiry with the current time as text.
				record.expiresAt ? new Date(String(record.expiresAt)).toISOString() : null,
				JSON.stringify(record), record.createdAt, indexedAt,
			),
	];
}

function profileStatements(db: D1Database, op: Op, record: Row | null): D1PreparedStatement[] {
	if (op.rkey !== 'self') return [];
	const avatar = (record?.avatar as { ref?: { $link?: string } } | undefined)?.ref?.$link ?? null;
	return [
		db
			.prepare('UPDATE actors SET display_name = ?2, avatar_cid = ?3 WHERE did = ?1')
			.bind(op.did, (record?.displayName as string | undefined) ?? null, avatar),
	];
}
