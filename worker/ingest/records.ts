import { AppBskyActorProfile, AppBskyFeedPost, AppBskyGraphBlock, AppBskyGraphFollow, AppBskyGraphListblock, AppBskyGraphListitem } from '@atcute/bluesky';
import { safeParse, type InferOutput } from '@atcute/lexicons/validations';
import {
	VideoDreamreelClip,
	VideoDreamreelComment,
	VideoDreamreelConsent,
	VideoDreamreelLike,
	VideoDreamreelRemix,
} from '../lexicons/index.ts';
import { BLOCK, CLIP, COMMENT, CONSENT, FOLLOW, LIKE, LISTBLOCK, LISTITEM, POST, PROFILE, REMIX } from '../nsid.ts';

/** The collections the index keeps, each with the lexicon schema its records must satisfy. */
export const indexedCollections = {
	[CLIP]: VideoDreamreelClip.mainSchema,
	[REMIX]: VideoDreamreelRemix.mainSchema,
	[CONSENT]: VideoDreamreelConsent.mainSchema,
	[LIKE]: VideoDreamreelLike.mainSchema,
	[COMMENT]: VideoDreamreelComment.mainSchema,
	[FOLLOW]: AppBskyGraphFollow.mainSchema,
	[PROFILE]: AppBskyActorProfile.mainSchema,
	[BLOCK]: AppBskyGraphBlock.mainSchema,
	[LISTBLOCK]: AppBskyGraphListblock.mainSchema,
	[LISTITEM]: AppBskyGraphListitem.mainSchema,
	// Only posts that share a clip's video are kept (cross-posts, served by the feed generator).
	[POST]: AppBskyFeedPost.mainSchema,
} as const;

export type IndexedCollection = keyof typeof indexedCollections;

export function isIndexed(collection: string): collection is IndexedCollection {
	return Object.hasOwn(indexedCollections, collection);
}

/** A record of collection C, as its lexicon types it. */
export type IndexedRecord<C extends IndexedCollection> = InferOutput<(typeof indexedCollections)[C]>;

/** A collection with a record of it: checking `collection` narrows `record`. */
export type TypedRecord<C extends IndexedCollection = IndexedCollection> = C extends IndexedCollection ? { collection: C; record: IndexedRecord<C> } : never;

export type Validated<C extends IndexedCollection = IndexedCollection> = ({ ok: true } & TypedRecord<C>) | { ok: false; reason: string };

/**
 * The largest record the index keeps, as JSON characters. Every declared field of our lexicons
 * together stays well under it (a clip at its limits is ~35 KB); D1 rows stop at 2 MB.
 */
export const MAX_RECORD_CHARS = 64 * 1024;

/**
 * Validates a record against its collection's lexicon, blob mime types and sizes included
 * (`strict`), checks that the record names its own collection as `$type`, and keeps only the fields
 * the lexicon declares: anything else a hand-written record carries is neither stored nor served.
 */
export function validateRecord<C extends IndexedCollection>(collection: C, record: unknown): Validated<C> {
	if (typeof record !== 'object' || record === null || (record as { $type?: unknown }).$type !== collection) {
		return { ok: false, reason: `$type must be ${collection}` };
	}
	const size = JSON.stringify(record).length;
	if (size > MAX_RECORD_CHARS) return { ok: false, reason: `record too large: ${size} characters of JSON (at most ${MAX_RECORD_CHARS})` };
	const schema = indexedCollections[collection];
	const result = safeParse(schema, record, { strict: true });
	if (!result.ok) return { ok: false, reason: result.message };
	// The one place the pairing is asserted: the record was just parsed by the schema of `collection`.
	return { ok: true, collection, record: declaredOnly(schema as unknown as Schema, result.value) } as Validated<C>;
}

/**
 * A record as the index stores it (`record` columns): validated at ingest and reduced to its declared
 * fields, so reading it back needs no second validation. The one place a stored record is typed.
 */
export function storedRecord<C extends IndexedCollection>(_collection: C | readonly C[], json: string): IndexedRecord<C> {
	return JSON.parse(json) as IndexedRecord<C>;
}

/** The parts of a lexicon schema `declaredOnly` walks (see @atcute/lexicons/validations). */
interface Schema {
	type: string;
	object?: Schema;
	wrapped?: Schema;
	shape?: Record<string, Schema>;
	item?: Schema;
	members?: readonly Schema[];
	expected?: unknown;
}

const literalOf = (schema: Schema): unknown => (schema.type === 'optional' ? literalOf(schema.wrapped!) : schema.expected);

/** `value` (already valid against `schema`) reduced to what the schema declares. */
function declaredOnly(schema: Schema, value: unknown): unknown {
	switch (schema.type) {
		case 'record':
			return declaredOnly(schema.object!, value);
		case 'optional':
		case 'nullable':
			return value === undefined || value === null ? value : declaredOnly(schema.wrapped!, value);
		case 'object': {
			const input = value as Record<string, unknown>;
			const output: Record<string, unknown> = {};
			for (const [key, field] of Object.entries(schema.shape!)) {
				if (input[key] !== undefined) output[key] = declaredOnly(field, input[key]);
			}
			return output;
		}
		case 'array':
			return (value as unknown[]).map((item) => declaredOnly(schema.item!, item));
		case 'variant': {
			// An open union may carry a type we do not know: only its $type is kept.
			const type = (value as { $type: string }).$type;
			const member = schema.members!.map((m) => (m.type === 'record' ? m.object! : m)).find((m) => literalOf(m.shape!.$type!) === type);
			return member ? declaredOnly(member, value) : { $type: type };
		}
		default:
			// Scalars, and blobs, whose shape validation already fixes.
			return value;
	}
}
