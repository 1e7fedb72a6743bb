/**
 * The one event shape both network sources (the repo firehose and Jetstream) are decoded into, so
 * everything downstream of the decoders is source-agnostic.
 */

/**
 * One record operation of a commit. `record` is the record in the atproto data model's JSON form
 * (`{ "$link" }`, `{ "$bytes" }`, blobs with `ref: { "$link" }`), exactly what Jetstream carries,
 * so one lexicon validator and `JSON.stringify` behave the same for both sources.
 */
export type RecordOp =
	| { action: 'create' | 'update'; uri: string; collection: string; rkey: string; cid: string; record: unknown }
	| { action: 'delete'; uri: string; collection: string; rkey: string };

/**
 * `cursor` is what the caller persists to resume: the firehose `seq`, or Jetstream's `time_us`.
 * A commit whose ops were all filtered out still arrives (with `ops: []`) so the cursor advances.
 */
export type NetworkEvent =
	| CommitEvent
	| { kind: 'identity'; cursor: number; did: string; handle?: string }
	| { kind: 'account'; cursor: number; did: string; active: boolean; status?: string }
	| { kind: 'sync'; cursor: number; did: string; rev: string }
	/** An event that could not be decoded (or applied): kept with its reason, then skipped. */
	| { kind: 'rejected'; cursor: number; did?: string; reason: string };

export interface CommitEvent {
	kind: 'commit';
	cursor: number;
	did: string;
	rev: string;
	ops: RecordOp[];
	/**
	 * What proves the commit (the repo firehose only, and only when it kept an op): the commit's CID and
	 * its CAR slice. Jetstream carries none, so its events are taken as unproven (see apply.ts).
	 */
	proof?: { commit: string; blocks: Uint8Array };
}

/** Decides which collections' records are worth decoding; checked before any record block is read. */
export type CollectionFilter = (collection: string) => boolean;
