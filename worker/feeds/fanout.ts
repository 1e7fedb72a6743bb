import type { Timeline } from '../../durable-objects/Timeline.ts';
import type { TimelineItem } from './timeline.ts';
import type { FeedChange } from '../ingest/apply.ts';

export interface FanoutDeps {
	db: D1Database;
	timeline: (viewer: string) => DurableObjectStub<Timeline>;
	/** Creators with more followers than this are merged in at read time instead of pushed. */
	maxFollowers: number;
	/** Followers pushed to per step; progress is saved after each step. */
	pageSize?: number;
}

/**
 * Where a change stands: finished, or pushed to every follower up to and including `after` (DID
 * order); and how many timelines this step wrote.
 */
export type FanoutProgress = ({ done: true } | { done: false; after: string }) & { written: number };

/**
 * Timelines written at once, and followers per step (progress is saved after each; the queue rests
 * between steps, see fanout-queue.ts). Measured locally (bench/feeds, 4 000 followers): 64 calls at
 * once in pages of 500 kept the worker's one thread so busy that no other request was answered until
 * the fan-out ended (40–60 s).
 */
const CONCURRENCY = 8;
export const PAGE_SIZE = 32;
/** How much of a newly followed creator's history lands in the follower's timeline. */
const FOLLOW_BACKFILL = 50;

/**
 * Applies the next step of one change to the timelines it concerns: a post or delete reaches one
 * page of followers after `after`. Idempotent, so a step retried after a crash is harmless.
 */
export async function fanOutStep(deps: FanoutDeps, change: FeedChange, after?: string): Promise<FanoutProgress> {
	switch (change.kind) {
		case 'post':
		case 'unpost': {
			const followers = await followerCount(deps.db, change.author);
			// Most authors have nobody here to push to; big creators are merged in at read time (`timelinePage`).
			if (followers === 0 || followers > deps.maxFollowers) return { done: true, written: 0 };
			const pageSize = deps.pageSize ?? PAGE_SIZE;
			const page = await followersAfter(deps.db, change.author, after, pageSize);
			const item = change.kind === 'post' ? { uri: change.uri, author: change.author, sortAt: change.sortAt } : undefined;
			await inParallel(page, (viewer) => (item ? deps.timeline(viewer).add([item]) : deps.timeline(viewer).removeClips([change.uri])));
			return page.length < pageSize ? { done: true, written: page.length } : { done: false, after: page.at(-1)!, written: page.length };
		}
		case 'follow': {
			if ((await followerCount(deps.db, change.subject)) > deps.maxFollowers) return { done: true, written: 0 };
			const { results } = await deps.db
				.prepare('SELECT uri, did AS author, sort_at AS sortAt FROM clips WHERE did = ?1 ORDER BY sort_at DESC LIMIT ?2')
				.bind(change.subject, FOLLOW_BACKFILL)
				.all<TimelineItem>();
			if (results.length > 0) await deps.timeline(change.follower).add(results);
			return { done: true, written: 1 };
		}
		case 'unfollow':
			await deps.timeline(change.follower).removeAuthor(change.subject);
			return { done: true, written: 1 };
	}
}

/**
 * Of a batch's changes, those whose fan-out can write something, judged for the whole batch in one
 * query by the tests fanOutStep makes itself: a post or delete by someone followed here by a reader
 * (feeds/readers.ts), and not by so many people that readers merge them in; a reader's follow of
 * someone with clips, not merged in; a reader's unfollow of someone who ever had a clip. A relay's
 * stream is mostly follows among people who read nothing here and posts by people no reader follows,
 * and each would cost the queue a round trip to find that out. A query, to ride in a batch (see
 * ApplyOptions.readAfter), whose rows `changesThatWriteFrom` reads.
 */
export function changesThatWriteQuery(deps: Pick<FanoutDeps, 'db' | 'maxFollowers'>, changes: FeedChange[]): D1PreparedStatement {
	const people = new Set(changes.flatMap((change) => (change.kind === 'post' || change.kind === 'unpost' ? [change.author] : [change.follower, change.subject])));
	// A reader among the followers is looked for only below the threshold, which bounds the walk.
	return deps.db
		.prepare(
			`SELECT did, followers, clips, everClips, reader,
			   followers BETWEEN 1 AND ?2 AND EXISTS (SELECT 1 FROM follows f JOIN timeline_readers r ON r.did = f.did WHERE f.subject = p.did) AS readerFollowers
			 FROM (SELECT value AS did, COALESCE((SELECT n FROM follower_counts WHERE subject = value), 0) AS followers,
			         EXISTS (SELECT 1 FROM clips WHERE did = value) AS clips, EXISTS (SELECT 1 FROM clip_index WHERE did = value) AS everClips,
			         EXISTS (SELECT 1 FROM timeline_readers WHERE did = value) AS reader
			       FROM json_each(?1)) p`,
		)
		.bind(JSON.stringify([...people]), deps.maxFollowers);
}

type PersonFacts = { did: string; followers: number; clips: number; everClips: number; reader: number; readerFollowers: number };

export function changesThatWriteFrom({ results }: D1Result, changes: FeedChange[], maxFollowers: number): FeedChange[] {
	const facts = new Map((results as PersonFacts[]).map((row) => [row.did, row]));
	const of = (did: string) => facts.get(did)!;
	return changes.filter((change) => {
		if (change.kind === 'post' || change.kind === 'unpost') return of(change.author).readerFollowers === 1;
		if (of(change.follower).reader !== 1) return false;
		const subject = of(change.subject);
		return change.kind === 'unfollow' ? subject.everClips === 1 : subject.clips === 1 && subject.followers <= maxFollowers;
	});
}

/** Follow records naming `subject` (kept by triggers, see migration 0004). */
async function followerCount(db: D1Database, subject: string): Promise<number> {
	const row = await db.prepare('SELECT n FROM follower_counts WHERE subject = ?1').bind(subject).first<{ n: number }>();
	return row?.n ?? 0;
}

/** The next page of `author`'s followers who read their timeline here (feeds/readers.ts), in DID order. */
async function followersAfter(db: D1Database, author: string, after: string | undefined, limit: number): Promise<string[]> {
	const { results } = await db
		.prepare(
			`SELECT DISTINCT f.did FROM follows f JOIN timeline_readers r ON r.did = f.did
			 WHERE f.subject = ?1 AND f.did > ?2 ORDER BY f.did LIMIT ?3`,
		)
		.bind(author, after ?? '', limit)
		.all<{ did: string }>();
	return results.map((row) => row.did);
}

async function inParallel(items: string[], task: (item: string) => Promise<unknown>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await task(items[next++]!);
	};
	await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
