import type { Timeline, TimelineItem } from '../../durable-objects/Timeline.ts';
import type { FeedChange } from '../ingest/apply.ts';

export interface FanoutDeps {
	db: D1Database;
	timeline: (viewer: string) => DurableObjectStub<Timeline>;
	/** Creators with more followers than this are merged in at read time instead of pushed. */
	maxFollowers: number;
}

/** Timelines written at once; enough to keep workerd busy without a burst of 10 000 open calls. */
const CONCURRENCY = 64;
/** How much of a newly followed creator's history lands in the follower's timeline. */
const FOLLOW_BACKFILL = 50;

/** Applies one change to the timelines it concerns. Idempotent, so a retried change is harmless. */
export async function fanOut(deps: FanoutDeps, change: FeedChange): Promise<void> {
	switch (change.kind) {
		case 'post': {
			const followers = await pushTargets(deps, change.author);
			const item = { uri: change.uri, author: change.author, sortAt: change.sortAt };
			return inParallel(followers, (viewer) => deps.timeline(viewer).add([item]));
		}
		case 'unpost': {
			const followers = await pushTargets(deps, change.author);
			return inParallel(followers, (viewer) => deps.timeline(viewer).removeClips([change.uri]));
		}
		case 'follow': {
			if ((await pushTargets(deps, change.subject)).length === 0) return;
			const { results } = await deps.db
				.prepare('SELECT uri, did AS author, sort_at AS sortAt FROM clips WHERE did = ?1 ORDER BY sort_at DESC LIMIT ?2')
				.bind(change.subject, FOLLOW_BACKFILL)
				.all<TimelineItem>();
			if (results.length > 0) await deps.timeline(change.follower).add(results);
			return;
		}
		case 'unfollow':
			return deps.timeline(change.follower).removeAuthor(change.subject);
	}
}

/** The followers to push to, or none when the creator is big enough to be read by fan-in. */
async function pushTargets(deps: FanoutDeps, author: string): Promise<string[]> {
	const { results } = await deps.db
		.prepare('SELECT DISTINCT did FROM follows WHERE subject = ?1 LIMIT ?2')
		.bind(author, deps.maxFollowers + 1)
		.all<{ did: string }>();
	return results.length > deps.maxFollowers ? [] : results.map((row) => row.did);
}

async function inParallel(items: string[], task: (item: string) => Promise<unknown>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await task(items[next++]!);
	};
	await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
