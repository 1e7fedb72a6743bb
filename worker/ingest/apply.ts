import type { ActorResolver } from '@atcute/identity-resolver';
import type { NetworkEvent, RecordOp } from './events.ts';
import { indexStatements, sharedVideo, sortAt } from './index-record.ts';
import { isIndexed, validateRecord, type IndexedCollection } from './records.ts';
import { canonicalReferences, referencedAuthors, referencedHandles, resolveHandles } from './references.ts';

export interface ApplyResult {
	/** Record operations written to the index. */
	applied: number;
	/** Records refused by validation (logged with the reason and kept in `rejected_records`). */
	rejected: number;
	/** Operations skipped because the index already holds that revision or a newer one. */
	stale: number;
	/** Accounts that entered the index in this batch: their repos need backfilling. */
	discovered: string[];
	/** Known accounts whose identity changed or whose repo must be re-read. */
	refresh: string[];
	/** What followers' timelines must learn. */
	feed: FeedChange[];
	/** Video blobs of new or changed clips, to copy to the video host. */
	videos: string[];
	/** People whose consent, follows or account changed: their clips' videos may change visibility. */
	people: string[];
	/** Clips created, changed or deleted: their videos, and their remixes' down the chain, may change visibility. */
	clips: string[];
}

export type FeedChange =
	| { kind: 'post'; uri: string; author: string; sortAt: string }
	| { kind: 'unpost'; uri: string; author: string }
	| { kind: 'follow' | 'unfollow'; follower: string; subject: string };

type Op = RecordOp & { did: string; rev: string; collection: IndexedCollection };

export interface ApplyOptions {
	/**
	 * Whether following someone the index has never seen brings them in. True for the live stream;
	 * false when backfilling a repo, so that reading one account's follows does not crawl the network.
	 */
	discoverFollowed?: boolean;
	/** Resolves handles that records name in references and the index does not know. */
	actors?: ActorResolver;
	now?: Date;
}

/**
 * Applies a batch of network events to the index in one D1 transaction. Idempotent: every record
 * carries the repo revision it was last written at, so a replayed or out-of-order event that is not
 * newer than what the index holds changes nothing (deletes leave a tombstone revision).
 */
export async function applyEvents(
	db: D1Database,
	events: NetworkEvent[],
	{ discoverFollowed = true, actors, now = new Date() }: ApplyOptions = {},
): Promise<ApplyResult> {
	const result: ApplyResult = { applied: 0, rejected: 0, stale: 0, discovered: [], refresh: [], feed: [], videos: [], people: [], clips: [] };
	const ops = events.flatMap((event) =>
		event.kind === 'commit'
			? event.ops.flatMap((op) => (isIndexed(op.collection) ? [{ ...op, did: event.did, rev: event.rev } as Op] : []))
			: [],
	);
	// References reach the index in one form only (DID authority), so that no rule can be walked
	// around by naming a record another way.
	const recordOf = (op: Op) => (op.action !== 'delete' && typeof op.record === 'object' && op.record !== null ? (op.record as Record<string, unknown>) : undefined);
	const handles = await resolveHandles(db, [...new Set(ops.flatMap((op) => referencedHandles(op.collection, recordOf(op))))], actors);
	const canonical = (op: Op, record: Record<string, unknown>) => canonicalReferences(op.collection, record, handles);
	// Remixes bring in the authors of what they remix: a chain is shown only once it is whole.
	const named = ops.flatMap((op) => {
		const record = op.collection === 'video.dreamreel.remix' ? recordOf(op) : undefined;
		return record ? referencedAuthors(op.collection, canonical(op, record)) : [];
	});
	const { revs, known, unfollowed } = await lookups(db, ops, events, named);
	const indexedAt = now.toISOString();
	const statements: D1PreparedStatement[] = [];
	const written = new Map<string, [uri: string, rev: string, deleted: 0 | 1]>();
	const discover = (did: string) => {
		if (known.has(did)) return;
		known.add(did);
		result.discovered.push(did);
	};

	for (const op of ops) {
		const stored = revs.get(op.uri);
		if (stored !== undefined && stored >= op.rev) {
			result.stale++;
			continue;
		}
		if (!involvesDreamreel(op, known)) continue;
		revs.set(op.uri, op.rev);
		written.set(op.uri, [op.uri, op.rev, op.action === 'delete' ? 1 : 0]);
		if (op.action === 'delete') {
			statements.push(...indexStatements(db, op, null, indexedAt));
			result.feed.push(...feedChanges(op, null, indexedAt, unfollowed));
			noteVisibility(result, op, null, unfollowed.get(op.uri));
			result.applied++;
			continue;
		}
		const validated = validateRecord(op.collection, op.record);
		if (!validated.ok) {
			console.warn(`rejected ${op.uri}: ${validated.reason}`);
			result.rejected++;
			// The repo no longer holds a valid version: drop what the index had.
			statements.push(...indexStatements(db, op, null, indexedAt));
			noteVisibility(result, op, null, unfollowed.get(op.uri));
			statements.push(
				db
					.prepare('INSERT INTO rejected_records (uri, cid, reason, seen_at) VALUES (?1, ?2, ?3, ?4)')
					.bind(op.uri, op.cid, validated.reason, indexedAt),
			);
			continue;
		}
		const record = canonical(op, validated.record);
		discover(op.did);
		if (op.collection === 'app.bsky.graph.follow' && discoverFollowed) discover(String(record.subject));
		if (op.collection === 'video.dreamreel.remix') referencedAuthors(op.collection, record).forEach(discover);
		statements.push(...indexStatements(db, op, record, indexedAt));
		result.feed.push(...feedChanges(op, record, indexedAt, unfollowed));
		noteVisibility(result, op, record);
		result.applied++;
	}

	// Set-wise statements keep a batch to a few dozen D1 statements. New accounts go first (profile
	// updates need their rows); account status goes last, as it may concern an account first seen here.
	const rows = (values: unknown[]) => JSON.stringify(values);
	if (result.discovered.length > 0) {
		statements.unshift(
			db.prepare('INSERT OR IGNORE INTO actors (did, indexed_at) SELECT value, ?2 FROM json_each(?1)').bind(rows(result.discovered), indexedAt),
		);
	}
	if (written.size > 0) {
		statements.push(
			db
				.prepare('INSERT OR REPLACE INTO record_revs (uri, rev, deleted) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1)')
				.bind(rows([...written.values()])),
		);
	}
	for (const event of events) {
		if (event.kind === 'account') {
			result.people.push(event.did);
			statements.push(
				db.prepare('UPDATE actors SET active = ?2, status = ?3 WHERE did = ?1').bind(event.did, event.active ? 1 : 0, event.status ?? null),
			);
		} else if ((event.kind === 'identity' || event.kind === 'sync') && known.has(event.did)) {
			result.refresh.push(event.did);
		}
	}
	if (statements.length > 0) await db.batch(statements);
	return result;
}

/**
 * `applyEvents` for one writer with several callers (the stream and backfills): calls run one after
 * another. Each call reads stored revisions before it writes, so two interleaved calls could both
 * see "no revision" and let a stale backfilled create land after the stream's delete.
 */
export function serialApplier(db: D1Database, defaults: ApplyOptions = {}): (events: NetworkEvent[], options?: ApplyOptions) => Promise<ApplyResult> {
	let last: Promise<unknown> = Promise.resolve();
	return (events, options) => {
		const run = last.then(() => applyEvents(db, events, { ...defaults, ...options }));
		last = run.catch(() => undefined);
		return run;
	};
}

/**
 * What the batch needs from the index, in one query (each D1 call costs a round trip however small):
 * the stored revisions of its records, which of the accounts it concerns are known, and the subjects
 * of the follows it deletes. Keys travel as JSON arrays: D1 caps bound parameters at 100.
 */
async function lookups(db: D1Database, ops: Op[], events: NetworkEvent[], named: string[]) {
	const dids = new Set([
		...named,
		...ops.map((op) => op.did),
		...ops.flatMap((op) => (op.action !== 'delete' && op.collection === 'app.bsky.graph.follow' ? [String((op.record as { subject?: unknown }).subject)] : [])),
		...events.flatMap((event) => (event.kind === 'commit' ? [] : [event.did])),
	]);
	const unfollows = ops.filter((op) => op.action === 'delete' && op.collection === 'app.bsky.graph.follow');
	const revs = new Map<string, string>();
	const known = new Set<string>();
	const unfollowed = new Map<string, string>();
	if (ops.length === 0 && dids.size === 0) return { revs, known, unfollowed };
	const { results } = await db
		.prepare(
			`SELECT 'rev' AS kind, uri AS key, rev AS value FROM record_revs WHERE uri IN (SELECT value FROM json_each(?1))
			 UNION ALL SELECT 'actor', did, NULL FROM actors WHERE did IN (SELECT value FROM json_each(?2))
			 UNION ALL SELECT 'unfollow', uri, subject FROM follows WHERE uri IN (SELECT value FROM json_each(?3))`,
		)
		.bind(JSON.stringify(ops.map((op) => op.uri)), JSON.stringify([...dids]), JSON.stringify(unfollows.map((op) => op.uri)))
		.all<{ kind: 'rev' | 'actor' | 'unfollow'; key: string; value: string | null }>();
	for (const row of results) {
		if (row.kind === 'rev') revs.set(row.key, row.value!);
		else if (row.kind === 'actor') known.add(row.key);
		else unfollowed.set(row.key, row.value!);
	}
	return { revs, known, unfollowed };
}

/**
 * Dreamreel records always count. The rest of the social graph (follows, profiles) counts only
 * around people the index knows: a relay sends the whole network's follows, and most of them
 * concern no one here.
 */
function involvesDreamreel(op: Op, known: Set<string>): boolean {
	if (op.collection.startsWith('video.dreamreel.')) return true;
	if (op.collection === 'app.bsky.feed.post') {
		return known.has(op.did) && (op.action === 'delete' || sharedVideo(op.record as Record<string, unknown>) !== undefined);
	}
	if (known.has(op.did)) return true;
	if (op.collection !== 'app.bsky.graph.follow' || op.action === 'delete') return false;
	const subject = (op.record as { subject?: unknown } | undefined)?.subject;
	return typeof subject === 'string' && known.has(subject);
}

/** What the video mirror must (re)consider after this op. */
function noteVisibility(result: ApplyResult, op: Op, record: Record<string, unknown> | null, unfollowedSubject?: string): void {
	if (op.collection === 'video.dreamreel.clip' || op.collection === 'video.dreamreel.remix') {
		const video = (record?.video as { ref?: { $link?: string } } | undefined)?.ref?.$link;
		if (video) result.videos.push(video);
		result.clips.push(op.uri);
	} else if (op.collection === 'video.dreamreel.consent') {
		result.people.push(op.did);
	} else if (op.collection === 'app.bsky.graph.follow') {
		const subject = record ? String(record.subject) : unfollowedSubject;
		result.people.push(op.did, ...(subject ? [subject] : []));
	}
}

function feedChanges(op: Op, record: Record<string, unknown> | null, indexedAt: string, unfollowed: Map<string, string>): FeedChange[] {
	const isClip = op.collection === 'video.dreamreel.clip' || op.collection === 'video.dreamreel.remix';
	if (isClip && op.action === 'create' && record) {
		return [{ kind: 'post', uri: op.uri, author: op.did, sortAt: sortAt(record.createdAt, indexedAt) }];
	}
	if (isClip && op.action === 'delete') return [{ kind: 'unpost', uri: op.uri, author: op.did }];
	if (op.collection !== 'app.bsky.graph.follow') return [];
	if (op.action === 'create' && record) return [{ kind: 'follow', follower: op.did, subject: String(record.subject) }];
	const subject = unfollowed.get(op.uri);
	return op.action === 'delete' && subject ? [{ kind: 'unfollow', follower: op.did, subject }] : [];
}
