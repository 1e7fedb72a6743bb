import type { AppBskyFeedPost } from '@atcute/bluesky';
import type { IndexedCollection, IndexedRecord } from './records.ts';
import type { Row } from './batch-write.ts';
import { clipSearchRows } from './search-index.ts';
import { BLOCK, CLIP, COMMENT, CONSENT, EMBED_RECORD_WITH_MEDIA, EMBED_VIDEO, FOLLOW, LIKE, LISTBLOCK, LISTITEM, POST, PROFILE, REMIX } from '../nsid.ts';

/**
 * What the index must hold at `uri`: a validated record of `collection`, or nothing (`record: null`:
 * a delete, or a record that failed validation). Checking `collection` narrows `record`.
 */
export type IndexWrite = { uri: string; did: string; rkey: string; cid?: string } & {
	[C in IndexedCollection]: { collection: C; record: IndexedRecord<C> | null };
}[IndexedCollection];

type Write<C extends IndexedCollection> = IndexWrite & { collection: C };

/** The rows (worker/ingest/batch-write.ts) that make the index hold what `write` says. */
export function indexRows(write: IndexWrite, indexedAt: string): Row[] {
	const { uri, did } = write;
	switch (write.collection) {
		case CLIP:
		case REMIX:
			return clipRows(write, indexedAt);
		case CONSENT:
			return consentRows(write, indexedAt);
		case FOLLOW:
			// An upsert, not INSERT OR REPLACE: REPLACE's implicit delete fires no trigger, and
			// follower_counts is kept by triggers.
			return write.record ? [['followPut', [uri, did, write.record.subject, write.record.createdAt]]] : [['followDrop', [uri]]];
		case PROFILE:
			// One profile per person lives at rkey `self`.
			return write.rkey === 'self' ? [['profile', [did, write.record?.displayName ?? null, write.record?.avatar?.ref.$link ?? null]]] : [];
		case BLOCK:
			return write.record ? [['blockPut', [uri, did, write.record.subject, write.record.createdAt]]] : [['blockDrop', [uri]]];
		case LISTBLOCK:
			return write.record ? [['listBlockPut', [uri, did, write.record.subject, write.record.createdAt]]] : [['listBlockDrop', [uri]]];
		case LISTITEM:
			// Only a list's owner puts people on it: an item in anyone else's repo names no one on the list.
			return write.record?.list.startsWith(`at://${did}/`)
				? [['listItemPut', [uri, did, write.record.list, write.record.subject, write.record.createdAt]]]
				: [['listItemDrop', [uri]]];
		case LIKE:
			return write.record ? [['likePut', [uri, did, write.record.subject.uri, write.record.createdAt]]] : [['likeDrop', [uri]]];
		case COMMENT:
			return commentRows(write, indexedAt);
		case POST: {
			const video = write.record && sharedVideo(write.record);
			return video && write.record ? [['crosspostPut', [uri, did, video, write.record.createdAt]]] : [['crosspostDrop', [uri]]];
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

function commentRows({ uri, did, cid, record }: Write<typeof COMMENT>, indexedAt: string): Row[] {
	if (!record) return [['commentDrop', [uri]]];
	const thread = record.reply?.root.uri ?? null;
	return [['commentPut', [uri, cid, did, record.subject.uri, thread, JSON.stringify(record), indexedAt, sortAt(record.createdAt, indexedAt)]]];
}

/**
 * A deleted (or no longer valid) clip becomes a tombstone: its content goes, what the remix-chain
 * rules need of it stays (author, lineage, remix policy, cameos), so a remix below it is judged as if
 * it were still there.
 */
function clipRows({ uri, did, cid, record }: Write<typeof CLIP | typeof REMIX>, indexedAt: string): Row[] {
	if (!record) return [['clipTombstone', [uri]], ...clipSearchRows(uri, null)];
	const lineage = record.$type === REMIX ? record : undefined;
	return [
		['cameoDrop', [uri]],
		[
			'clipPut',
			[
				uri, cid, did, lineage ? 1 : 0, JSON.stringify(record), record.video.ref.$link,
				lineage?.parent.uri ?? null, lineage?.parent.cid ?? null, lineage?.root.uri ?? null, lineage?.root.cid ?? null,
				record.remixPolicy ?? 'everyone', record.createdAt, indexedAt, sortAt(record.createdAt, indexedAt),
			],
		],
		...[...new Set(record.cameos ?? [])].map((cameo): Row => ['cameoPut', [uri, cameo]]),
		...clipSearchRows(uri, record),
	];
}

function consentRows({ uri, did, cid, rkey, record }: Write<typeof CONSENT>, indexedAt: string): Row[] {
	// One consent per person lives at rkey `self`; any other rkey is not a grant.
	if (rkey !== 'self') return [];
	if (!record) return [['consentDrop', [did]]];
	return [
		[
			'consentPut',
			[
				did, uri, cid, record.audience, JSON.stringify(record.allowed ?? []), record.allowRemix === false ? 0 : 1,
				// Normalised to UTC ISO so that SQL compares expiry with the current time as text.
				record.expiresAt ? new Date(record.expiresAt).toISOString() : null,
				JSON.stringify(record), record.createdAt, indexedAt,
			],
		],
	];
}
