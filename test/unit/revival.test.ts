import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { Revival } from '../../worker/revival.ts';
import { WorkQueue } from '../../worker/work-queue.ts';

const POLICY = { maxAttempts: 3, baseMs: 1000, maxMs: 60_000, slowRetryMs: 3_600_000, revivals: 2 };
const INTERVAL_MS = 300_000;

interface World {
	accounts: WorkQueue<{ n: number }>;
	proofs: WorkQueue<{ n: number }>;
	revival: Revival;
	/** Moves the clock the queues and the revival read. */
	wait(ms: number): void;
}

/** Two queues in a Durable Object's SQLite (the Mirror's, which has the `work` table), on a clock the test moves. */
async function withWorld(name: string, test: (world: World) => void): Promise<void> {
	await runInDurableObject(env.MIRROR.getByName(`revival-${name}`), async (_instance, state) => {
		let now = 1_000;
		const clock = () => now;
		const accounts = new WorkQueue<{ n: number }>(state.storage.sql, 'accounts', POLICY, clock);
		const proofs = new WorkQueue<{ n: number }>(state.storage.sql, 'proofs', POLICY, clock);
		test({ accounts, proofs, revival: new Revival([accounts, proofs], INTERVAL_MS, clock), wait: (ms) => void (now += ms) });
	});
}

/** Adds an item and fails it until it is set aside (the directory down throughout). */
function setAside({ wait }: World, queue: WorkQueue<{ n: number }>, key: string): void {
	queue.add(key, { n: 1 });
	for (let attempt = 0; attempt < POLICY.maxAttempts; attempt++) {
		const item = queue.due(10).find((due) => due.key === key)!;
		queue.failed(item, 'directory down');
		wait(POLICY.maxMs);
	}
}

/** Runs one item of the queue, successfully. */
function succeed(queue: WorkQueue<{ n: number }>, key: string): void {
	queue.add(key, { n: 2 });
	queue.done(queue.due(10).find((due) => due.key === key)!);
}

const due = (queue: WorkQueue<{ n: number }>) => queue.due(10).map((item) => item.key);

it('once an item succeeds, set-aside items of every queue are due again', async () => {
	await withWorld('succeeded', (world) => {
		setAside(world, world.proofs, 'at://consent');
		setAside(world, world.accounts, 'did:plc:someone');
		expect(due(world.proofs)).toEqual([]);
		succeed(world.accounts, 'did:plc:back');
		world.revival.succeeded();
		expect(due(world.proofs)).toEqual(['at://consent']);
		expect(due(world.accounts)).toEqual(['did:plc:someone']);
		expect(world.proofs.counts()).toEqual({ pending: 1, setAside: 0 });
	});
});

it('a revived item that fails again is set aside again at once, and revived again only after the interval', async () => {
	await withWorld('interval', (world) => {
		setAside(world, world.proofs, 'at://consent');
		world.revival.succeeded();
		const [item] = world.proofs.due(10);
		// Not set aside "just now": it was before, and is noted once.
		expect(world.proofs.failed(item!, 'still down')).toBe(false);
		expect(world.proofs.counts()).toEqual({ pending: 0, setAside: 1 });
		world.wait(INTERVAL_MS - 1);
		world.revival.succeeded();
		expect(due(world.proofs)).toEqual([]);
		world.wait(1);
		world.revival.succeeded();
		expect(due(world.proofs)).toEqual(['at://consent']);
	});
});

it('an item revived as often as the policy allows without success is left to the slow schedule', async () => {
	await withWorld('revivals', (world) => {
		setAside(world, world.proofs, 'at://gone-for-good');
		for (let revival = 0; revival < POLICY.revivals; revival++) {
			world.revival.succeeded();
			world.proofs.failed(world.proofs.due(10)[0]!, 'still down');
			world.wait(INTERVAL_MS);
		}
		world.revival.succeeded();
		expect(due(world.proofs)).toEqual([]);
		world.wait(POLICY.slowRetryMs);
		expect(due(world.proofs)).toEqual(['at://gone-for-good']);
	});
});

it('with nothing else succeeding, the heartbeat tries the longest waiting set-aside item of each queue, once per interval', async () => {
	await withWorld('probe', (world) => {
		setAside(world, world.proofs, 'at://first');
		setAside(world, world.proofs, 'at://second');
		setAside(world, world.accounts, 'did:plc:someone');
		world.revival.probe();
		expect(due(world.proofs)).toEqual(['at://first']);
		expect(due(world.accounts)).toEqual(['did:plc:someone']);
		world.proofs.failed(world.proofs.due(10)[0]!, 'still down');
		world.revival.probe();
		expect(due(world.proofs)).toEqual([]);
		world.wait(INTERVAL_MS);
		world.revival.probe();
		expect(due(world.proofs)).toEqual(['at://second']);
	});
});
