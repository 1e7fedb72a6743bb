import type { AppBskyFeedPost } from '@atcute/bluesky';
import type { IndexedCollection, IndexedRecord } from './records.ts';
import { clipSearchStatements } from './search-index.ts';
import { BLOCK, CLIP, COMMENT, CONSENT, EMBED_RECORD_WITH_MEDIA, EMBED_VIDEO, FOLLOW, LIKE, LISTBLOCK, LISTITEM, POST, PROFILE, REMIX } from '../nsid.ts';

/**
 * What the index must hold at `uri`: a validated record of `collection`, or nothing (`record: null`:
 * a delete, or a record that failed validation). Checking `collection` narrows `record`.
 */
export type IndexWrite = { uri: string; did: string; rkey: string; cid?: string } & {
	[C in IndexedCollection]: { collection: C; record: IndexedRecord<C> | null };
}[IndexedCollection];

type Write<C extends IndexedCollection> = IndexWrite & { collection: C };

/** The D1 statements that make the index hold what `write` says. */
export function indexStatements(db: D1Database, write: IndexWrite, indexedAt: string): D1PreparedStatement[] {
	switch (write.collection) {
		case CLIP:
		case REMIX:
			return clipStatements(db, write, indexedAt);
		case CONSENT:
			return consentStatements(db, write, indexedAt);
		case FOLLOW:
			return write.record
				? [db.prepare(
						// An upsert, not INSERT OR REPLACE: REPLACE's implicit delete fires no trigger,
						// and follower_counts is kept by triggers.
						`INSERT INTO follows (uri, did, subject, created_at) VALUES (?1, ?2, ?3, ?4)
						 ON CONFLICT (uri) DO UPDATE SET subject = excluded.subject, created_at = excluded.created_at`,
					).bind(write.uri, write.did, write.record.subject, write.record.createdAt)]
				: [db.prepare('DELETE FROM follows WHERE uri = ?1').bind(write.uri)];
		case PROFILE:
			return profileStatements(db, write);
		case BLOCK:
			return write.record
				? [db.prepare('INSERT OR REPLACE INTO blocks (uri, did, subject, created_at) VALUES (?1, ?2, ?3, ?4)')
						.bind(write.uri, write.did, write.record.subject, write.record.createdAt)]
				: [db.prepare('DELETE FROM blocks WHERE uri = ?1').bind(write.uri)];
		case LISTBLOCK:
			return write.record
				? [db.prepare('INSERT OR REPLACE INTO list_blocks (uri, did, list_uri, created_at) VALUES (?1, ?2, ?3, ?4)')
						.bind(write.uri, write.did, write.record.subject, write.record.createdAt)]
				: [db.prepare('DELETE FROM list_blocks WHERE uri = ?1').bind(write.uri)];
		case LISTITEM:
			return listItemStatements(db, write);
		case LIKE:
			return write.record
				? [db.prepare('INSERT OR REPLACE INTO likes (uri, did, subject_uri, created_at) VALUES (?1, ?2, ?3, ?4)')
						.bind(write.uri, write.did, write.record.subject.uri, write.record.createdAt)]
				: [db.prepare('DELETE FROM likes WHERE uri = ?1').bind(write.uri)];
		case COMMENT:
			return commentStatements(db, write, indexedAt);
		case POST: {
			const video = write.record && sharedVideo(write.record);
			return video && write.record
				? [db.prepare('INSERT OR REPLACE INTO crossposts (uri, did, video_cid, created_at) VALUES (?1, ?2, ?3, ?4)')
						.bind(write.uri, write.did, video, write.record.createdAt)]
				: [db.prepare('DELETE FROM crossposts WHERE uri = ?1').bind(write.uri)];
		}
	}
}

/** The video blob CID of a post with a video embed (alone or beside a quoted record). */
export function sharedVideo(post: AppBskyFeedPost.Main): string | undefined {
	const embed = post.embed;
	const video = embed?.$type === EMBED_RECORD_WITH_MEDIA ? embed.media : embed;
	if (video?.$type !== EMBED_VIDEO) return undefined;
	// Validation refuses legacy blobs (no `ref`), so a post sharing a clip's video always has one.
	return 'ref' in video.video ? video.video.ref.$link : undefined;
}

/** Sorts by the earlier of createdAt and indexedAt: a record cannot jump a list by claiming a future date. */
export function sortAt(createdAt: string, indexedAt: string): string {
	const claimed = Date.parse(createdAt);
	return claimed < Date.parse(indexedAt) ? new Date(claimed).toISOString() : indexedAt;
}

function commentStatements(db: D1Database, { uri, did, cid, record }: Write<typeof COMMENT>, indexedAt: string): D1PreparedStatement[] {
	if (!record) return [db.prepare('DELETE FROM comments WHERE uri = ?1').bind(uri)];
	return [
		db
			.prepare(
				`INSERT OR REPLACE INTO comments (uri, cid, did, subject_uri, thread_uri, record, indexed_at, sort_at)
				 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
			)
			.bind(uri, cid, did, record.subject.uri, record.reply?.root.uri ?? null, JSON.stringify(record), indexedAt, sortAt(record.createdAt, indexedAt)),
	];
}

/**
 * A deleted (or no longer valid) clip becomes a tombstone: its content goes, what the remix-chain
 * rules need of it stays (author, lineage, remix policy, cameos), so a remix below it is judged as if
 * it were still there.
 */
function clipStatements(db: D1Database, write: Write<typeof CLIP | typeof REMIX>, indexedAt: string): D1PreparedStatement[] {
	const { uri, did, cid, record } = write;
	if (!record) return [db.prepare(`UPDATE clip_index SET deleted = 1, record = '{}' WHERE uri = ?1`).bind(uri), ...clipSearchStatements(db, uri, null)];
	const lineage = record.$type === REMIX ? record : undefined;
	const statements = [
		db.prepare('DELETE FROM cameos WHERE clip_uri = ?1').bind(uri),
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
				uri, cid, did, lineage ? 1 : 0, JSON.stringify(record), record.video.ref.$link,
				lineage?.parent.uri ?? null, lineage?.parent.cid ?? null, lineage?.root.uri ?? null, lineage?.root.cid ?? null,
				record.remixPolicy ?? 'everyone', record.createdAt, indexedAt, sortAt(record.createdAt, indexedAt),
			),
	];
	for (const cameo of new Set(record.cameos ?? [])) {
		statements.push(db.prepare('INSERT INTO cameos (clip_uri, did) VALUES (?1, ?2)').bind(uri, cameo));
	}
	return [...statements, ...clipSearchStatements(db, uri, record)];
}

function consentStatements(db: D1Database, { uri, did, cid, rkey, record }: Write<typeof CONSENT>, indexedAt: string): D1PreparedStatement[] {
	// One consent per person lives at rkey `self`; any other rkey is not a grant.
	if (rkey !== 'self') return [];
	if (!record) return [db.prepare('DELETE FROM consents WHERE did = ?1').bind(did)];
	return [
		db
			.prepare(
				`INSERT OR REPLACE INTO consents (did, uri, cid, audience, allowed, allow_remix, expires_at, record, created_at, indexed_at)
				 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
			)
			.bind(
				did, uri, cid, record.audience, JSON.stringify(record.allowed ?? []), record.allowRemix === false ? 0 : 1,
				// Normalised to UTC ISO so that SQL compares expiry with the current time as text.
				record.expiresAt ? new Date(record.expiresAt).toISOString() : null,
				JSON.stringify(record), record.createdAt, indexedAt,
			),
	];
}

/** Only a list's owner puts people on it: an item in anyone else's repo names no one on the list. */
function listItemStatements(db: D1Database, { uri, did, record }: Write<typeof LISTITEM>): D1PreparedStatement[] {
	const remove = db.prepare('DELETE FROM list_items WHERE uri = ?1').bind(uri);
	if (!record || !record.list.startsWith(`at://${did}/`)) return [remove];
	return [
		db.prepare('INSERT OR REPLACE INTO list_items (uri, did, list_uri, subject, created_at) VALUES (?1, ?2, ?3, ?4, ?5)')
			.bind(uri, did, record.list, record.subject, record.createdAt),
	];
}

function profileStatements(db: D1Database, { did, rkey, record }: Write<typeof PROFILE>): D1PreparedStatement[] {
	if (rkey !== 'self') return [];
	return [
		db.prepare('UPDATE actors SET display_name = ?2, avatar_cid = ?3 WHERE did = ?1').bind(did, record?.displayName ?? null, record?.avatar?.ref.$link ?? null),
	];
}
