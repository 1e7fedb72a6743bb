// The ranking pool is loaded by one request and reused by the next ones (worker/feeds/pool.ts). workerd
// settles a promise only in the request that made it: when that request ends first (its client went
// away, and the platform cancelled it), any other request awaiting its load fails with "This promise was
// created by a request that has since ended" (older runtimes: waits forever). So no request may await a
// load another one started. Here a D1 whose answer never arrives stands for that cancelled request.
import { describe, expect, it } from 'vitest';
import { POOL_TTL_MS, sharedPool } from '../../worker/feeds/pool.ts';

const QUERY = { from: 'FROM clips c JOIN actors a ON a.did = c.did' };
const row = (n: number) => ({ uri: `at://did:plc:author/video.dreamreel.clip/${n}`, author: 'did:plc:author', sortAt: '2026-12-01T00:00:00.000Z', isRemix: 0, adult: 0, likes: n, comments: 0, remixes: 0 });

/** A D1 whose every query answers `answer()`, counting them. */
function d1(answer: () => Promise<unknown[]>) {
	const db = {
		queries: 0,
		prepare: () => ({ all: async () => (db.queries++, { results: await answer(), success: true, meta: {} }) }),
	};
	return db as typeof db & D1Database;
}

/** A cancelled request's query, as every other request sees it: no answer, ever. */
const abandoned = () => d1(() => new Promise(() => {}));
const answering = (n: number) => d1(async () => [row(n)]);

/** `promise`, or a failure after a second: awaiting another request's load would hang here. */
function promptly<T>(promise: Promise<T>): Promise<T> {
	return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('waited on a load another request started')), 1000))]);
}

let keys = 0;
const freshKey = () => `test-${keys++}`;

describe('the shared ranking pool', () => {
	it('is loaded once per POOL_TTL_MS, whoever asks', async () => {
		const key = freshKey();
		const db = answering(1);
		await sharedPool(db, key, QUERY, 0);
		await sharedPool(db, key, QUERY, POOL_TTL_MS - 1);
		expect(db.queries).toBe(1);
		await sharedPool(db, key, QUERY, POOL_TTL_MS);
		expect(db.queries).toBe(2);
	});

	it('never makes a request wait on a first load another request started', async () => {
		const key = freshKey();
		void sharedPool(abandoned(), key, QUERY, 0);
		expect(await promptly(sharedPool(answering(1), key, QUERY, 1))).toEqual([expect.objectContaining({ likes: 1 })]);
	});

	it('keeps serving the previous pool while another request reloads it, and takes the reload over when it never ends', async () => {
		const key = freshKey();
		await sharedPool(answering(1), key, QUERY, 0);
		void sharedPool(abandoned(), key, QUERY, POOL_TTL_MS);
		const meanwhile = answering(2);
		expect(await promptly(sharedPool(meanwhile, key, QUERY, POOL_TTL_MS + 1))).toEqual([expect.objectContaining({ likes: 1 })]);
		expect(meanwhile.queries).toBe(0);
		// Long past any load's time, the reload is presumed dead and the next request makes its own.
		expect(await promptly(sharedPool(meanwhile, key, QUERY, POOL_TTL_MS + 60_000))).toEqual([expect.objectContaining({ likes: 2 })]);
	});

	it('does not keep a failed load: the next request tries again', async () => {
		const key = freshKey();
		await expect(sharedPool(d1(() => Promise.reject(new Error('D1 is down'))), key, QUERY, 0)).rejects.toThrow('D1 is down');
		expect(await sharedPool(answering(3), key, QUERY, 1)).toEqual([expect.objectContaining({ likes: 3 })]);
	});
});
