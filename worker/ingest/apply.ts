import type { ActorResolver } from '@atcute/identity-resolver';
import { isDid } from '@atcute/lexicons/syntax';
import { trustedSource, type Authenticator, type Verdict } from './authenticity.ts';
import type { CommitEvent, NetworkEvent, RecordOp } from './events.ts';
import { FailureLog, warnMany } from '../warn-many.ts';
import { BatchWrite, CLIP_CHAIN, type Row } from './batch-write.ts';
import { indexRows, sharedVideo, sortAt, type IndexWrite } from './index-record.ts';
import { notificationRows } from './notify.ts';
import { isIndexed, validateRecord, type IndexedCollection } from './records.ts';
import { canonicalReferences, referencedAuthors, referencedHandles, resolveHandles } from './references.ts';
import { BLOCK, CLIP, CONSENT, EMBED_RECORD_WITH_MEDIA, EMBED_VIDEO, FOLLOW, LISTBLOCK, LISTITEM, POST, REMIX } from '../nsid.ts';

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
	/** Grants (or consents in unverifiable commits) held back until the owner's PDS proves them (proofs.ts). */
	proofs: ProofRequest[];
	/** The outbox row holding the work above, written with the index; absent when there is none. */
	outbox?: number;
	/** With an outbox row: the results of `ApplyOptions.readAfter`, read in the same batch. */
	readAfter?: D1Result[];
}

/** What an index write implies beyond the index: the part of an ApplyResult kept in the outbox. */
export type DerivedWork = Pick<ApplyResult, 'discovered' | 'refresh' | 'feed' | 'videos' | 'people' | 'clips' | 'proofs'>;

/** A record to fetch (as its repo now holds it) with its proof from its PDS, or an account whose reactivation to confirm there. */
export type ProofRequest = { kind: 'record'; uri: string } | { kind: 'account'; did: string };

export type FeedChange =
	| { kind: 'post'; uri: string; author: string; sortAt: string }
	| { kind: 'unpost'; uri: string; author: string }
	| { kind: 'follow' | 'unfollow'; follower: string; subject: string };

type Op = RecordOp & { did: string; rev: string; collection: IndexedCollection; event: CommitEvent };

/** Where refused records and events are kept, for the warnings that count them. */
const KEPT_IN = 'rejected_records and rejected_events';

/** The log a stream tells its refusals in (`ApplyOptions.refusalLog`): at most one line per 10 s. */
export const refusalLog = () => new FailureLog('rejected', 10_000, KEPT_IN);

export interface ApplyOptions {
	/**
	 * Whether following someone the index has never seen brings them in. True for the live stream;
	 * false when backfilling a repo, so that reading one account's follows does not crawl the network.
	 */
	discoverFollowed?: boolean;
	/** Resolves handles that records name in references and the index does not know. */
	actors?: ActorResolver;
	/**
	 * Judges each commit the index would act on. By default commits are trusted: they were read from
	 * the repo's own PDS (backfill, proofs). Streams pass theirs (worker/ingest/authenticity.ts).
	 */
	authenticate?: Authenticator;
	/** Account events are the account's own PDS's answer (a proof): a reactivation counts at once. */
	statusFromPds?: boolean;
	/**
	 * Reads to run after the write, in its own D1 batch, when it leaves work in the outbox: what the
	 * caller needs to hand that work on, without a round trip of its own on the stream's path.
	 */
	readAfter?: (work: DerivedWork) => D1PreparedStatement[];
	/** Where refusals are told: by default in one warning per call; a stream's (`refusalLog`) every few seconds. */
	refusalLog?: FailureLog;
	now?: Date;
}

/**
 * Applies a batch of network events to the index in one D1 transaction. Idempotent: every record
 * carries the repo revision it was last written at, so a replayed or out-of-order event that is not
 * newer than what the index holds changes nothing (deletes leave a tombstone revision). What the write
 * implies beyond the index goes into the `outbox` in the same transaction, so none of it is lost.
 */
export async function applyEvents(
	db: D1Database,
	events: NetworkEvent[],
	{ discoverFollowed = true, actors, authenticate = trustedSource, statusFromPds = false, readAfter, refusalLog, now = new Date() }: ApplyOptions = {},
): Promise<ApplyResult> {
	const result = emptyResult();
	const ops = events.flatMap((event) =>
		event.kind === 'commit'
			? event.ops.flatMap((op): Op[] => (isIndexed(op.collection) ? [{ ...op, collection: op.collection, did: event.did, rev: event.rev, event }] : []))
			: [],
	);
	const changes = await validated(db, ops, actors);
	// Remixes bring in the authors of what they remix: a chain is shown only once it is whole.
	const named = changes.flatMap(({ write }) => (write.collection === REMIX && write.record ? referencedAuthors(write.collection, write.record) : []));
	// `followed`: each follow's (and block's) subject, as the index holds it and as this batch writes it (so
	// that a follow created and deleted within one batch is undone in timelines too).
	const { revs, known, followed } = await lookups(db, changes, events, named);
	// Only commits that would change the index are judged: not what it ignores, nor what it holds already.
	const isNew = (op: Op) => (revs.get(op.uri) ?? '') < op.rev;
	const acted = changes.filter(({ op, write, irrelevant }) => !irrelevant && isNew(op) && (revs.has(op.uri) || involvesDreamreel(op, write, known)));
	const verdicts = await judged(acted, authenticate);
	const indexedAt = now.toISOString();
	const records = new BatchWrite();
	const refusals: string[] = [];
	const written = new Map<string, [uri: string, rev: string, deleted: 0 | 1]>();
	const discover = (did: string) => {
		if (known.has(did)) return;
		known.add(did);
		result.discovered.push(did);
	};
	/** What a written record implies beyond the index: timelines, the video mirror, accounts to bring in. */
	const derive = (op: Op, write: IndexWrite) => {
		noteVisibility(result, write, followed.get(op.uri));
		result.feed.push(...feedChanges(op, write, indexedAt, followed));
		if (!write.record) return;
		if (write.collection === FOLLOW || write.collection === BLOCK) followed.set(op.uri, write.record.subject);
		discover(op.did);
		if (write.collection === FOLLOW && discoverFollowed) discover(write.record.subject);
		if (write.collection === REMIX) referencedAuthors(write.collection, write.record).forEach(discover);
		// A block list is its owner's records: bringing the owner in backfills who is on it.
		const listOwner = write.collection === LISTBLOCK && graphSubject(write);
		if (listOwner) discover(listOwner);
	};

	for (const change of changes) {
		const { op, rejected, irrelevant } = change;
		const verdict = verdicts.get(op.event);
		const held = heldForProof(verdict, change);
		// A refused commit (kept in rejected_events below) writes nothing it does not hold for proof.
		if (!held && verdict && !('proven' in verdict)) continue;
		const write: IndexWrite = held ? { ...change.write, record: null } : change.write;
		const stored = revs.get(op.uri);
		if (stored !== undefined && stored >= op.rev) {
			// A replay (what it implied is in the outbox already) or an older revision arriving late.
			result.stale++;
			continue;
		}
		// A record the index already holds is kept current whoever wrote it (an unblock by someone unknown).
		if (irrelevant || (stored === undefined && !involvesDreamreel(op, write, known))) continue;
		if (held) {
			// Its revision is not recorded, so the proven record still counts as new when it comes.
			records.add({ uri: op.uri, rows: indexRows(write, indexedAt), writes: chainWrites(write) });
			noteVisibility(result, write);
			result.proofs.push({ kind: 'record', uri: op.uri });
			continue;
		}
		revs.set(op.uri, op.rev);
		written.set(op.uri, [op.uri, op.rev, op.action === 'delete' ? 1 : 0]);
		// A rejected record drops what the index had: the repo no longer holds a valid version.
		const notices = notificationRows(write, indexedAt);
		const refusal: Row[] = rejected ? [['rejectedRecord', [op.uri, write.cid ?? null, rejected, indexedAt]]] : [];
		records.add({ uri: op.uri, rows: [...indexRows(write, indexedAt), ...notices.rows, ...refusal], reads: notices.reads, writes: chainWrites(write) });
		if (rejected) {
			refusals.push(`${op.uri}: ${rejected}`);
			result.rejected++;
			noteVisibility(result, write, followed.get(op.uri));
			continue;
		}
		derive(op, write);
		result.applied++;
	}

	const refused = [...verdicts].flatMap(([event, verdict]): NetworkEvent[] => {
		const why = 'failure' in verdict ? verdict.failure : 'unverifiable' in verdict ? verdict.unverifiable : undefined;
		return why ? [{ kind: 'rejected', cursor: event.cursor, did: event.did, reason: `not authentic: ${why}` }] : [];
	});
	const rejectedEvents: unknown[][] = [];
	// The last status each account reports is the one it keeps.
	const statuses = new Map<string, [did: string, active: 0 | 1, status: string | null]>();
	const forgotten: string[] = [];
	for (const event of [...events, ...refused]) {
		if (event.kind === 'rejected') {
			refusals.push(`event at ${event.cursor}: ${event.reason}`);
			result.rejected++;
			rejectedEvents.push([event.cursor, event.did ?? null, event.reason.slice(0, 1000), indexedAt]);
		} else if (event.kind === 'account') {
			result.people.push(event.did);
			// A stream's word suffices to hide an account, not to bring one back: its PDS is asked first.
			if (event.active && !statusFromPds) result.proofs.push({ kind: 'account', did: event.did });
			else statuses.set(event.did, [event.did, event.active ? 1 : 0, event.status ?? null]);
		} else if (event.kind === 'identity' || event.kind === 'sync') {
			// A changed identity may be a rotated key: the shared DID cache forgets the old document at once
			// (and the Ingester its own memory of it, see CachedDidResolver).
			if (event.kind === 'identity') forgotten.push(event.did);
			if (known.has(event.did)) result.refresh.push(event.did);
		}
	}

	// Set-wise statements keep a batch to a few dozen D1 statements. New accounts go first (profile
	// updates need their rows); account status goes last, as it may concern an account first seen here.
	const statements: D1PreparedStatement[] = [];
	const set = (sql: string, rows: unknown[]) => {
		if (rows.length > 0) statements.push(db.prepare(sql).bind(JSON.stringify(rows)));
	};
	set(
		'INSERT OR IGNORE INTO actors (did, indexed_at) SELECT value ->> 0, value ->> 1 FROM json_each(?1)',
		result.discovered.map((did) => [did, indexedAt]),
	);
	statements.push(...records.statements(db));
	set('INSERT OR REPLACE INTO record_revs (uri, rev, deleted) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1)', [...written.values()]);
	set('INSERT INTO rejected_events (source_cursor, did, reason, seen_at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?1)', rejectedEvents);
	set('UPDATE actors SET active = s.value ->> 1, status = s.value ->> 2 FROM json_each(?1) s WHERE actors.did = s.value ->> 0', [...statuses.values()]);
	set('DELETE FROM did_cache WHERE did IN (SELECT value FROM json_each(?1))', forgotten);
	const work: DerivedWork = pickWork(result);
	const outbox = Object.values(work).some((items) => items.length > 0);
	const outboxAt = statements.length;
	if (outbox) statements.push(db.prepare('INSERT INTO outbox (work, created_at) VALUES (?1, ?2) RETURNING id').bind(JSON.stringify(work), indexedAt), ...(readAfter?.(work) ?? []));
	if (statements.length === 0) return result;
	const done = await db.batch(statements);
	if (refusalLog) refusalLog.add(...refusals);
	else warnMany('rejected', refusals, KEPT_IN);
	if (outbox) {
		result.outbox = (done[outboxAt]!.results[0] as { id: number }).id;
		result.readAfter = done.slice(outboxAt + 1);
	}
	return result;
}

function pickWork({ discovered, refresh, feed, videos, people, clips, proofs }: ApplyResult): DerivedWork {
	return { discovered, refresh, feed, videos, people, clips, proofs };
}

const isRow = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Applies a batch; if its write fails, applies its events one at a time: an event that fails alone
 * while others go through is poison, kept in `rejected_events` with the error and skipped. If none
 * goes through, the store itself is failing: that is thrown, for the caller to retry later.
 */
export async function applyIsolatingPoison(apply: (events: NetworkEvent[]) => Promise<ApplyResult>, batch: NetworkEvent[]): Promise<ApplyResult> {
	try {
		return await apply(batch);
	} catch (batchError) {
		const results: ApplyResult[] = [];
		const rejected: NetworkEvent[] = [];
		for (const event of batch) {
			try {
				results.push(await apply([event]));
			} catch (error) {
				rejected.push({ kind: 'rejected', cursor: event.cursor, did: event.did, reason: `could not be applied: ${String(error)}` });
			}
		}
		if (results.length === 0) throw batchError;
		if (rejected.length > 0) results.push(await apply(rejected));
		return mergeResults(results);
	}
}

function mergeResults(results: ApplyResult[]): ApplyResult {
	const merged = emptyResult();
	for (const result of results) {
		merged.applied += result.applied;
		merged.rejected += result.rejected;
		merged.stale += result.stale;
		merged.discovered.push(...result.discovered);
		merged.refresh.push(...result.refresh);
		merged.feed.push(...result.feed);
		merged.videos.push(...result.videos);
		merged.people.push(...result.people);
		merged.clips.push(...result.clips);
		merged.proofs.push(...result.proofs);
	}
	return merged;
}

const emptyResult = (): ApplyResult => ({ applied: 0, rejected: 0, stale: 0, discovered: [], refresh: [], feed: [], videos: [], people: [], clips: [], proofs: [] });

/** Every commit that carries a change the index would act on, judged once. */
async function judged(changes: Change[], authenticate: Authenticator): Promise<Map<CommitEvent, Verdict>> {
	const events = [...new Set(changes.map((change) => change.op.event))];
	const verdicts = events.length > 0 ? await authenticate(events) : [];
	return new Map(events.map((event, i) => [event, verdicts[i]!]));
}

/** A record that widens what may be shown: consent given (or widened). */
function isGrant(write: IndexWrite): boolean {
	return write.collection === CONSENT && write.record !== null;
}

/**
 * Whether an op counts as no grant until its proof arrives: the narrowest reading, at once. An
 * unproven grant is held so; so is any consent op of an unverifiable commit, which may be a
 * revocation that must not wait for the directory (its other ops are refused).
 */
function heldForProof(verdict: Verdict | undefined, { op, write }: Change): boolean {
	if (verdict === undefined || 'failure' in verdict) return false;
	if ('unverifiable' in verdict) return write.collection === CONSENT;
	return !verdict.proven && op.action !== 'delete' && isGrant(write);
}

interface Change {
	op: Op;
	write: IndexWrite;
	/** Why the record was refused (then `write` removes what the index had). */
	rejected?: string;
	/** A record of no concern to Dreamreel (a post sharing no video). */
	irrelevant?: boolean;
}

/** Whether an unvalidated post embeds a video (alone or beside a quoted record). */
function embedsVideo(post: Record<string, unknown> | undefined): boolean {
	const embed = isRow(post?.embed) ? post.embed : undefined;
	const media = embed?.$type === EMBED_RECORD_WITH_MEDIA && isRow(embed.media) ? embed.media : embed;
	return media?.$type === EMBED_VIDEO;
}

/**
 * Each op as what the index must hold: records validated against their lexicon, with every
 * reference in one form (DID authority), so that no rule can be walked around by naming a record
 * another way.
 */
async function validated(db: D1Database, ops: Op[], actors: ActorResolver | undefined): Promise<Change[]> {
	const raw = (op: Op) => (op.action !== 'delete' && isRow(op.record) ? op.record : undefined);
	const handles = await resolveHandles(db, [...new Set(ops.flatMap((op) => referencedHandles(op.collection, raw(op))))], actors);
	return ops.map((op) => {
		const target = { uri: op.uri, did: op.did, rkey: op.rkey, ...(op.action === 'delete' ? {} : { cid: op.cid }) };
		const removed: IndexWrite = { ...target, collection: op.collection, record: null };
		const record = raw(op);
		if (op.action === 'delete') return { op, write: removed };
		// Most of a relay's posts share no video: they are let go without the cost of validating them.
		if (op.collection === POST && !embedsVideo(record)) return { op, write: removed, irrelevant: true };
		const result = validateRecord(op.collection, record && canonicalReferences(op.collection, record, handles));
		return result.ok ? { op, write: { ...target, ...result } } : { op, write: removed, rejected: result.reason };
	});
}

/**
 * Runs what it is given one at a time, in the order given. The index has one writer with several
 * callers (the stream, backfills, proofs): each write reads stored revisions before it writes, so two
 * interleaved writes could both see "no revision" and let a stale backfilled create land after the
 * stream's delete.
 */
export function oneAtATime(): <T>(run: () => Promise<T>) => Promise<T> {
	let last: Promise<unknown> = Promise.resolve();
	return (run) => {
		const next = last.then(run);
		last = next.catch(() => undefined);
		return next;
	};
}

/**
 * What the batch needs from the index, in one query (each D1 call costs a round trip however small):
 * the stored revisions of its records, which of the accounts it concerns are known, and the subjects
 * of the follows it deletes. Keys travel as JSON arrays: D1 caps bound parameters at 100.
 */
async function lookups(db: D1Database, changes: Change[], events: NetworkEvent[], named: string[]) {
	const ops = changes.map((change) => change.op);
	const dids = new Set([
		...named,
		...ops.map((op) => op.did),
		...changes.flatMap(({ write }) => graphSubject(write) ?? []),
		...events.flatMap((event) => (event.kind === 'commit' || event.kind === 'rejected' ? [] : [event.did])),
	]);
	const unfollows = ops.filter((op) => op.action === 'delete' && (op.collection === FOLLOW || op.collection === BLOCK));
	const revs = new Map<string, string>();
	const known = new Set<string>();
	const followed = new Map<string, string>();
	if (ops.length === 0 && dids.size === 0) return { revs, known, followed };
	const { results } = await db
		.prepare(
			`SELECT 'rev' AS kind, uri AS key, rev AS value FROM record_revs WHERE uri IN (SELECT value FROM json_each(?1))
			 UNION ALL SELECT 'actor', did, NULL FROM actors WHERE did IN (SELECT value FROM json_each(?2))
			 UNION ALL SELECT 'follow', uri, subject FROM follows WHERE uri IN (SELECT value FROM json_each(?3))
			 UNION ALL SELECT 'follow', uri, subject FROM blocks WHERE uri IN (SELECT value FROM json_each(?3))`,
		)
		.bind(JSON.stringify(ops.map((op) => op.uri)), JSON.stringify([...dids]), JSON.stringify(unfollows.map((op) => op.uri)))
		.all<{ kind: 'rev' | 'actor' | 'follow'; key: string; value: string | null }>();
	for (const row of results) {
		if (row.kind === 'rev') revs.set(row.key, row.value!);
		else if (row.kind === 'actor') known.add(row.key);
		else followed.set(row.key, row.value!);
	}
	return { revs, known, followed };
}

/**
 * Dreamreel records always count. The rest of the social graph (follows, blocks, lists, profiles) counts only
 * around people the index knows: a relay sends the whole network's follows, and most of them
 * concern no one here.
 */
function involvesDreamreel(op: Op, write: IndexWrite, known: Set<string>): boolean {
	if (write.collection.startsWith('video.dreamreel.')) return true;
	if (write.collection === POST) {
		// A delete, a refused record or a post sharing a video, by someone the index knows.
		return known.has(op.did) && (write.record === null || sharedVideo(write.record) !== undefined);
	}
	if (known.has(op.did)) return true;
	const subject = graphSubject(write);
	return subject !== undefined && write.collection !== LISTBLOCK && known.has(subject);
}

/** The account a follow, block or list item names, or the owner of the list a list block names. */
function graphSubject(write: IndexWrite): string | undefined {
	if (!write.record) return undefined;
	if (write.collection === FOLLOW || write.collection === BLOCK || write.collection === LISTITEM) return write.record.subject;
	const owner = write.collection === LISTBLOCK ? write.record.subject.split('/')[2] : undefined;
	if (owner && isDid(owner)) return owner;
	return undefined;
}

/** A clip written (not a tombstone, which keeps its lineage) may change a remix chain that notifications walk. */
function chainWrites(write: IndexWrite): string[] {
	return (write.collection === CLIP || write.collection === REMIX) && write.record ? [CLIP_CHAIN] : [];
}

/** What the video mirror must (re)consider after this write. */
function noteVisibility(result: ApplyResult, write: IndexWrite, followedSubject?: string): void {
	if (write.collection === CLIP || write.collection === REMIX) {
		if (write.record) result.videos.push(write.record.video.ref.$link);
		result.clips.push(write.uri);
	} else if (write.collection === CONSENT) {
		result.people.push(write.did);
	} else if (write.collection === FOLLOW || write.collection === BLOCK) {
		const subject = write.record?.subject ?? followedSubject;
		result.people.push(write.did, ...(subject ? [subject] : []));
	}
}

function feedChanges(op: Op, write: IndexWrite, indexedAt: string, followed: Map<string, string>): FeedChange[] {
	if (write.collection === CLIP || write.collection === REMIX) {
		if (op.action === 'create' && write.record) return [{ kind: 'post', uri: op.uri, author: op.did, sortAt: sortAt(write.record.createdAt, indexedAt) }];
		return op.action === 'delete' ? [{ kind: 'unpost', uri: op.uri, author: op.did }] : [];
	}
	if (write.collection !== FOLLOW) return [];
	if (op.action === 'create' && write.record) return [{ kind: 'follow', follower: op.did, subject: write.record.subject }];
	const subject = followed.get(op.uri);
	return op.action === 'delete' && subject ? [{ kind: 'unfollow', follower: op.did, subject }] : [];
}
