import { AppBskyActorProfile, AppBskyFeedPost, AppBskyGraphFollow } from '@atcute/bluesky';
import { safeParse } from '@atcute/lexicons/validations';
import {
	VideoDreamreelClip,
	VideoDreamreelComment,
	VideoDreamreelConsent,
	VideoDreamreelLike,
	VideoDreamreelRemix,
} from '../lexicons/index.ts';

/** The collections the index keeps, each with the lexicon schema its records must satisfy. */
export const indexedCollections = {
	'video.dreamreel.clip': VideoDreamreelClip.mainSchema,
	'video.dreamreel.remix': VideoDreamreelRemix.mainSchema,
	'video.dreamreel.consent': VideoDreamreelConsent.mainSchema,
	'video.dreamreel.like': VideoDreamreelLike.mainSchema,
	'video.dreamreel.comment': VideoDreamreelComment.mainSchema,
	'app.bsky.graph.follow': AppBskyGraphFollow.mainSchema,
	'app.bsky.actor.profile': AppBskyActorProfile.mainSchema,
	// Only posts that share a clip's video are kept (cross-posts, served by the feed generator).
	'app.bsky.feed.post': AppBskyFeedPost.mainSchema,
} as const;

export type IndexedCollection = keyof typeof indexedCollections;

export function isIndexed(collection: string): collection is IndexedCollection {
	return Object.hasOwn(indexedCollections, collection);
}

export type Validated =
	| { ok: true; record: Record<string, unknown> }
	| { ok: false; reason: string };

/**
 * Validates a record against its collection's lexicon, blob mime types and sizes included
 * (`strict`), and checks that the record names its own collection as `$type`.
 */
export function validateRecord(collection: IndexedCollection, record: unknown): Validated {
	if (typeof record !== 'object' || record === null || (record as { $type?: unknown }).$type !== collection) {
		return { ok: false, reason: `$type must be ${collection}` };
	}
	const result = safeParse(indexedCollections[collection], record, { strict: true });
	return result.ok ? { ok: true, record: record as Record<string, unknown> } : { ok: false, reason: result.message };
}
