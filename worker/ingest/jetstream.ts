/**
 * Decoder for Jetstream v1 `/subscribe` JSON events, into the same {@link NetworkEvent} the
 * firehose decoder yields. Jetstream already sends records in the atproto JSON form.
 */
import { isCid, isDid, isNsid, isRecordKey } from '@atcute/lexicons/syntax';
import { z } from 'zod';

import type { CollectionFilter, NetworkEvent } from './events.ts';

/** Jetstream refuses more than this many `wantedCollections` (after dedupe). */
const MAX_WANTED_COLLECTIONS = 100;

const did = z.string().refine(isDid, 'must be a DID');
const collection = z.string().refine(isNsid, 'must be an NSID');
const rkey = z.string().refine(isRecordKey, 'must be a record key');
// Kept as-is (no copy, no stripping): the lexicon validator downstream judges the record itself.
const record = z.custom<Record<string, unknown>>(
	(value) => typeof value === 'object' && value !== null && !Array.isArray(value),
	'must be an object',
);

const envelope = z.object({ did, time_us: z.int().nonnegative(), kind: z.string() });

const commit = z.discriminatedUnion('operation', [
	z.object({
		operation: z.enum(['create', 'update']),
		rev: z.string(),
		collection,
		rkey,
		cid: z.string().refine(isCid, 'must be a CID'),
		record,
	}),
	z.object({ operation: z.literal('delete'), rev: z.string(), collection, rkey }),
]);

// `nullish` because optional fields may come as null; either way they mean "absent".
const identity = z.object({ handle: z.string().nullish() });
const account = z.object({ active: z.boolean(), status: z.string().nullish() });

/** A message Jetstream's contract refuses; `cursor` and `did` when its envelope could be read. */
export class JetstreamMessageError extends Error {
	constructor(
		message: string,
		readonly cursor?: number,
		readonly did?: string,
	) {
		super(message);
	}
}

/**
 * Decodes one Jetstream text frame. Unknown `kind`s give `null` (ignored); a commit to an unwanted
 * collection gives a commit with no ops, so the cursor still advances. Malformed input throws a
 * JetstreamMessageError, carrying where in the stream it came when that much could be read.
 */
export function decodeJetstreamMessage(text: string, wanted: CollectionFilter): NetworkEvent | null {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw new JetstreamMessageError('jetstream message is not JSON');
	}
	const head = parse(envelope, json, 'message');
	try {
		return decodeBody(head, (json as Record<string, unknown>)[head.kind], wanted);
	} catch (error) {
		throw new JetstreamMessageError(error instanceof Error ? error.message : String(error), head.time_us, head.did);
	}
}

function decodeBody(head: z.output<typeof envelope>, body: unknown, wanted: CollectionFilter): NetworkEvent | null {
	const cursor = head.time_us;
	switch (head.kind) {
		case 'commit': {
			const c = parse(commit, body, 'commit');
			const base = { kind: 'commit', cursor, did: head.did, rev: c.rev } as const;
			if (!wanted(c.collection)) return { ...base, ops: [] };
			const uri = `at://${head.did}/${c.collection}/${c.rkey}`;
			const op =
				c.operation === 'delete'
					? { action: c.operation, uri, collection: c.collection, rkey: c.rkey }
					: { action: c.operation, uri, collection: c.collection, rkey: c.rkey, cid: c.cid, record: c.record };
			return { ...base, ops: [op] };
		}
		case 'identity': {
			const { handle } = parse(identity, body, 'identity');
			return { kind: 'identity', cursor, did: head.did, ...(handle == null ? {} : { handle }) };
		}
		case 'account': {
			const { active, status } = parse(account, body, 'account');
			return { kind: 'account', cursor, did: head.did, active, ...(status == null ? {} : { status }) };
		}
		default:
			return null;
	}
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
	const result = schema.safeParse(value);
	if (!result.success) throw new JetstreamMessageError(`jetstream ${what} is malformed: ${z.prettifyError(result.error)}`);
	return result.data;
}

/**
 * Builds a v1 subscribe URL. `base` is a host URL (`wss://jetstream2.us-east.bsky.network`) or the
 * `/subscribe` endpoint itself; `cursor` is unix microseconds (Jetstream's `time_us`).
 */
export function jetstreamUrl(base: string, collections: string[], cursor?: number): string {
	const url = new URL(base);
	if (!url.pathname.endsWith('/subscribe')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/subscribe`;
	const unique = [...new Set(collections)];
	if (unique.length > MAX_WANTED_COLLECTIONS) {
		throw new RangeError(`jetstream accepts at most ${MAX_WANTED_COLLECTIONS} wantedCollections, got ${unique.length}`);
	}
	for (const nsid of unique) url.searchParams.append('wantedCollections', nsid);
	if (cursor !== undefined) {
		if (!Number.isSafeInteger(cursor) || cursor < 0)
			throw new RangeError(`jetstream cursor must be a non-negative integer (µs), got ${cursor}`);
		url.searchParams.set('cursor', String(cursor));
	}
	return url.toString();
}
