import type { WorkQueue } from './work-queue.ts';

/**
 * Brings set-aside work back soon after what it waits on (the DID directory, PDSs) answers again, rather
 * than on its queue's slow schedule: a consent narrowed during a long directory outage is otherwise
 * proven, and shown again, only a day later. Any item that succeeds shows that they answer: the
 * set-aside items of every queue are revived (`WorkQueue.revive`). With nothing else to succeed, the
 * heartbeat revives one item per queue (the longest waiting) to find out. Each at most once per
 * `intervalMs`, and each revival costs an item one of its few chances: a flapping server cannot cause a
 * storm, nor one gone for good cost more than a few requests.
 */
export class Revival {
	#reviveAt = 0;
	#probeAt = 0;

	constructor(
		private readonly queues: Pick<WorkQueue<unknown>, 'revive'>[],
		private readonly intervalMs: number,
		private readonly now: () => number = Date.now,
	) {}

	/** An item succeeded: what was set aside is tried again. */
	succeeded(): void {
		if (this.now() < this.#reviveAt) return;
		this.#reviveAt = this.now() + this.intervalMs;
		for (const queue of this.queues) queue.revive();
	}

	/** The heartbeat: one set-aside item per queue is tried again, whose success revives the rest. */
	probe(): void {
		if (this.now() < this.#probeAt) return;
		this.#probeAt = this.now() + this.intervalMs;
		for (const queue of this.queues) queue.revive(1);
	}
}
