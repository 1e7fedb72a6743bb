import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Timeline } from '../../../durable-objects/Timeline.ts';
import type { FeedChange } from '../../../worker/ingest/apply.ts';
import { FanoutQueue, MAX_FANOUT_ATTEMPTS } from '../../../worker/feeds/fanout-queue.ts';
import { seedClip } from '../index-fixtures.ts';

const author = 'did:plc:fanoutauthorfanoutauthor';
const follower = (i: number) => `did:plc:follower${String(i).padStart(4, '0')}xxxxxxxxxxxx`;
const post = (rkey: string, by = author): FeedChange => ({ kind: 'post', uri: `at://${by}/video.dreamreel.clip/${rkey}`, author: by, sortAt: '2026-11-25T08:00:00.000Z' });
const unpost = (rkey: string, by = author): FeedChange => ({ kind: 'unpost', uri: `at://${by}/video.dreamreel.clip/${rkey}`, author: by });

/** `count` followers of `subject`, who read their timelines here (fan-out pushes to readers only). */
async function follow(subject: string, count: number, first = 0): Promise<void> {
	const rows = Array.from({ length: count }, (_, n) => {
		const i = first + n;
		return [`at://${follower(i)}/app.bsky.graph.follow/${subject.slice(-6)}`, follower(i), subject];
	});
	await env.DB.batch([
		env.DB.prepare(
			`INSERT INTO follows (uri, did, subject, created_at) SELECT value ->> 0, value ->> 1, value ->> 2, '2026-11-25T00:00:00Z' FROM json_each(?1)`,
		).bind(JSON.stringify(rows)),
		env.DB.prepare(`INSERT OR IGNORE INTO timeline_readers (did, since, built) SELECT value ->> 1, '2026-11-25T00:00:00Z', 1 FROM json_each(?1)`).bind(JSON.stringify(rows)),
	]);
}

// Timeline objects outlive each test (storage is per file), so tests look for their own clips only.
const timelineUris = async (viewer: string) => (await env.TIMELINE.getByName(viewer).page(100)).map((item) => item.uri);
const clipUri = (rkey: string, by = author) => `at://${by}/video.dreamreel.clip/${rkey}`;

/**
 * Real Timeline objects behind a switch that makes chosen followers' timelines (`did`), or one of
 * their methods (`did add`), fail, counting
 * the pushes each follower received.
 */
function timelines() {
	const pushes = new Map<string, number>();
	const failing = new Set<string>();
	const timeline = (viewer: string) => {
		const real = env.TIMELINE.getByName(viewer);
		const guard = async <T>(method: string, run: () => Promise<T>) => {
			if (failing.has(viewer) || failing.has(`${viewer} ${method}`)) throw new Error(`timeline of ${viewer} unavailable`);
			pushes.set(viewer, (pushes.get(viewer) ?? 0) + 1);
			return run();
		};
		return {
			add: (items: Parameters<Timeline['add']>[0]) => guard('add', () => real.add(items)),
			removeClips: (uris: string[]) => guard('removeClips', () => real.removeClips(uris)),
			removeAuthor: (did: string) => guard('removeAuthor', () => real.removeAuthor(did)),
		} as unknown as DurableObjectStub<Timeline>;
	};
	return { timeline, pushes, failing };
}

/** Runs `body` with a queue in a fresh Ingester object's storage and a clock the test moves. */
async function withQueue(name: string, body: (queue: FanoutQueue, rig: ReturnType<typeof timelines> & { clock: { now: number } }) => Promise<void>) {
	const rig = { ...timelines(), clock: { now: 1_000_000 } };
	await runInDurableObject(env.INGESTER.getByName(name), async (_instance, state) => {
		const deps = { db: env.DB, timeline: rig.timeline, maxFollowers: 100, pageSize: 10 };
		await body(new FanoutQueue(state.storage.sql, deps, () => rig.clock.now), rig);
	});
}

describe('the fan-out queue', () => {
	beforeEach(async () => {
		await env.DB.batch(['follows', 'follower_counts', 'timeline_readers'].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
		// Failures are what these tests cause; their warnings would only bury real output.
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		return () => vi.restoreAllMocks();
	});

	it('pushes a post to every follower, a page at a time', async () => {
		await follow(author, 25);
		await withQueue('pages', async (queue, { pushes }) => {
			queue.push([post('3kpages')]);
			await queue.drain();
			expect(queue.counts()).toEqual({ pending: 0, failed: 0 });
			expect(pushes.size).toBe(25);
			expect(await timelineUris(follower(24))).toContain(clipUri('3kpages'));
		});
	});

	it('finishes a post by an author nobody here follows with one lookup, pushing nothing', async () => {
		await withQueue('nobody', async (queue, { pushes }) => {
			const prepared: string[] = [];
			const prepare = env.DB.prepare.bind(env.DB);
			const spy = vi.spyOn(env.DB, 'prepare').mockImplementation((sql: string) => (prepared.push(sql), prepare(sql)));
			queue.push([post('3klonely')]);
			await queue.drain();
			spy.mockRestore();
			expect(queue.counts()).toEqual({ pending: 0, failed: 0 });
			expect(pushes.size).toBe(0);
			expect(prepared).toEqual(['SELECT n FROM follower_counts WHERE subject = ?1']);
		});
	});

	it('resumes after a failure from the page it stopped in, not from the first follower', async () => {
		await follow(author, 25);
		await withQueue('resume', async (queue, { pushes, failing, clock }) => {
			failing.add(follower(15));
			queue.push([post('3kresume')]);
			await queue.drain();
			expect(queue.counts().pending).toBe(1);
			failing.clear();
			clock.now += 60_000;
			await queue.drain();
			expect(queue.counts().pending).toBe(0);
			// The first page (0–9) was saved as done: pushed once. Only the failed page was retried.
			for (let i = 0; i < 10; i++) expect(pushes.get(follower(i))).toBe(1);
			expect(pushes.get(follower(15))).toBe(1);
			expect(await timelineUris(follower(15))).toContain(clipUri('3kresume'));
		});
	});

	it('does not let a failing change hold up unrelated ones, and sets it aside after its attempts', async () => {
		const other = 'did:plc:otherauthorotherauthorxx';
		await follow(author, 3);
		await follow(other, 3, 10);
		await withQueue('independent', async (queue, { failing, clock }) => {
			failing.add(follower(0));
			queue.push([post('3kstuck'), post('3kfree', other)]);
			await queue.drain();
			expect(queue.counts()).toEqual({ pending: 1, failed: 0 });
			expect(await timelineUris(follower(10))).toContain(clipUri('3kfree', other));
			for (let attempt = 1; attempt < MAX_FANOUT_ATTEMPTS; attempt++) {
				clock.now += 3_600_000;
				await queue.drain();
			}
			expect(queue.counts()).toEqual({ pending: 0, failed: 1 });
		});
	});

	it('warns once per drain however many changes fail: an outage must not flood the log', async () => {
		const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
		await follow(author, 1);
		await withQueue('outage', async (queue, { failing }) => {
			failing.add(follower(0));
			queue.push(Array.from({ length: 50 }, (_, i) => post(`3koutage${i}`)));
			await queue.drain();
			expect(queue.counts()).toEqual({ pending: 50, failed: 0 });
			expect(warned.mock.calls.map((call) => String(call[0]))).toEqual([expect.stringMatching(/^fan-out failed: .* \(and 49 more\)$/)]);
		});
	});

	it('keeps stream order for changes to the same clip while an earlier one is retried', async () => {
		await follow(author, 3);
		await withQueue('order', async (queue, { failing, clock }) => {
			failing.add(`${follower(2)} add`);
			queue.push([post('3korder'), unpost('3korder')]);
			await queue.drain();
			// The delete waits behind its post; had it gone first, the retried post would bring the clip back.
			expect(queue.counts().pending).toBe(2);
			failing.clear();
			clock.now += 60_000;
			await queue.drain();
			for (let i = 0; i < 3; i++) expect(await timelineUris(follower(i))).not.toContain(clipUri('3korder'));
		});
	});

	it('pushes nothing for a creator with more followers than the threshold', async () => {
		await follow(author, 101);
		await withQueue('big', async (queue, { pushes }) => {
			queue.push([post('3kbig')]);
			await queue.drain();
			expect(queue.counts().pending).toBe(0);
			expect(pushes.size).toBe(0);
		});
	});

	it('queues only what can write something, judged for the whole batch in one query', async () => {
		const [bigCreator, withClips, neverClipped, tombstoned] = ['did:plc:bigcreatorxxxxxxxxxxxxxx', 'did:plc:withclipsxxxxxxxxxxxxxxx', 'did:plc:neverclippedxxxxxxxxxxxx', 'did:plc:tombstonedxxxxxxxxxxxxxx'];
		await follow(author, 3);
		await follow(bigCreator, 101);
		await seedClip(withClips);
		const gone = await seedClip(tombstoned);
		await env.DB.prepare('UPDATE clip_index SET deleted = 1 WHERE uri = ?1').bind(gone.uri).run();
		const follower0 = follower(0);
		const kept = [
			post('3kworth1'), // followed
			unpost('3kworth2'),
			{ kind: 'follow', follower: follower0, subject: withClips }, // something to copy in
			{ kind: 'unfollow', follower: follower0, subject: tombstoned }, // had clips: items may remain
		] satisfies FeedChange[];
		const nonReader = 'did:plc:nonreaderxxxxxxxxxxxxxxx';
		await env.DB.prepare(`INSERT INTO follows (uri, did, subject, created_at) VALUES (?1, ?2, ?3, '2026-11-25T00:00:00Z')`)
			.bind(`at://${nonReader}/app.bsky.graph.follow/3knonreader`, nonReader, withClips)
			.run();
		const dropped = [
			post('3kworth5', withClips), // followed, but by nobody who reads here
			{ kind: 'follow', follower: nonReader, subject: withClips },
			{ kind: 'unfollow', follower: nonReader, subject: tombstoned },
			post('3kworth4', bigCreator), // merged in at read time
			{ kind: 'follow', follower: follower0, subject: neverClipped },
			{ kind: 'follow', follower: follower0, subject: tombstoned }, // nothing live to copy in
			{ kind: 'follow', follower: follower0, subject: bigCreator },
			{ kind: 'unfollow', follower: follower0, subject: neverClipped },
		] satisfies FeedChange[];
		await withQueue('worth', async (queue) => {
			const prepared: string[] = [];
			const prepare = env.DB.prepare.bind(env.DB);
			const spy = vi.spyOn(env.DB, 'prepare').mockImplementation((sql: string) => (prepared.push(sql), prepare(sql)));
			const changes = [...dropped, ...kept];
			expect(queue.worthPushing(changes, await queue.worthPushingQuery(changes).all())).toEqual(kept);
			spy.mockRestore();
			expect(prepared).toHaveLength(1);
		});
});

describe('follower counts', () => {
	it('follow the follows table through inserts, deletes and a changed subject', async () => {
		await env.DB.batch(['follows', 'follower_counts', 'timeline_readers'].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
		await follow(author, 5);
		await env.DB.prepare(`DELETE FROM follows WHERE did = ?1`).bind(follower(0)).run();
		await env.DB.prepare(`UPDATE follows SET subject = 'did:plc:someoneelse' WHERE did = ?1`).bind(follower(1)).run();
		const { results } = await env.DB.prepare('SELECT subject, n FROM follower_counts ORDER BY subject').all();
		expect(results).toEqual([
			{ subject: author, n: 3 },
			{ subject: 'did:plc:someoneelse', n: 1 },
		]);
	});
	});
});
