import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { WorkQueue } from '../../worker/work-queue.ts';

const POLICY = { maxAttempts: 3, baseMs: 1000, maxMs: 60_000, slowRetryMs: 3_600_000 };

/** A queue in a Durable Object's SQLite (the Mirror's, which has the `work` table), at a fixed clock. */
async function withQueue(name: string, test: (queue: WorkQueue<{ n: number }>, sql: SqlStorage) => void): Promise<void> {
	await runInDurableObject(env.MIRROR.getByName(`work-queue-${name}`), async (_instance, state) => {
		test(new WorkQueue<{ n: number }>(state.storage.sql, 'test', POLICY, () => 1_000), state.storage.sql);
	});
}

const rows = (sql: SqlStorage) =>
	sql.exec<{ key: string; payload: string; next_at: number; generation: number }>(`SELECT key, payload, next_at, generation FROM work WHERE queue = 'test' ORDER BY id`).toArray();

it('addAll coalesces like one add after another: into what waits, and within the call, in order', async () => {
	await withQueue('coalesce', (queue, sql) => {
		const sum = { coalesce: (old: { n: number }, added: { n: number }) => ({ n: old.n * 10 + added.n }) };
		queue.add('a', { n: 1 }, { at: 5_000 });
		queue.addAll(
			[
				['b', { n: 2 }],
				['a', { n: 3 }],
				['b', { n: 4 }],
				['c', { n: 5 }],
			],
			sum,
		);
		expect(rows(sql)).toEqual([
			{ key: 'a', payload: '{"n":13}', next_at: 1_000, generation: 1 },
			{ key: 'b', payload: '{"n":24}', next_at: 1_000, generation: 0 },
			{ key: 'c', payload: '{"n":5}', next_at: 1_000, generation: 0 },
		]);
	});
});

it('addAll without coalescing keeps every item, in order, one key after another', async () => {
	await withQueue('plain', (queue, sql) => {
		queue.addAll([
			['b', { n: 1 }],
			['a', { n: 2 }],
			['b', { n: 3 }],
		]);
		expect(rows(sql).map((row) => [row.key, row.payload])).toEqual([
			['b', '{"n":1}'],
			['a', '{"n":2}'],
			['b', '{"n":3}'],
		]);
		expect(queue.due(10).map((item) => [item.key, item.payload.n])).toEqual([
			['b', 1],
			['a', 2],
		]);
	});
});

it('a failed item added to again keeps its backoff unless retried', async () => {
	await withQueue('backoff', (queue, sql) => {
		const latest = { coalesce: (_old: { n: number }, added: { n: number }) => added };
		queue.add('a', { n: 1 });
		queue.failed(queue.due(1)[0]!, 'PDS down');
		const backedOff = rows(sql)[0]!.next_at;
		expect(backedOff).toBeGreaterThan(1_000);
		queue.addAll([['a', { n: 2 }]], latest);
		expect(rows(sql)[0]).toMatchObject({ payload: '{"n":2}', next_at: backedOff });
		queue.addAll([['a', { n: 3 }]], { ...latest, retry: true });
		expect(rows(sql)[0]).toMatchObject({ payload: '{"n":3}', next_at: 1_000 });
	});
});
