import { DurableObject } from 'cloudflare:workers';
import { NotFoundError, XRPCError } from '../worker/errors.ts';
import { isTerminal, newSecret, outputKey, type Job, type JobSpec } from '../worker/jobs/job.ts';
import { advance, finish } from '../worker/jobs/machine.ts';
import { notifyJobEnded } from '../worker/jobs/notify.ts';
import { backoffMs } from '../worker/backoff.ts';
import { STEP_BACKOFF } from '../worker/jobs/retry.ts';
import { createJobRuntime, type JobRuntime } from '../worker/jobs/runtime.ts';
import { providerOf, runStep } from '../worker/jobs/steps.ts';
import { checkFeatured } from '../worker/jobs/featured.ts';
import { JobStore } from './job-store.ts';
import { jobView, type JobView } from '../worker/jobs/view.ts';

export interface NewJob {
	id: string;
	requester: string;
	spec: JobSpec;
}

export type Created = { ok: true; created: boolean; job: JobView } | { ok: false; reason: string };

/**
 * Armed when a run starts: if the object dies in the middle of a step, this alarm replays it. Short,
 * because a live run is never interrupted by it (an alarm set while the alarm handler runs waits for it).
 */
const STEP_GUARD_MS = 30_000;
/** Steps run back to back in one alarm when none has to wait; past this many, a fresh alarm goes on. */
const MAX_STEPS_PER_RUN = 12;
/** Cleanup (quota, provider cancel, video delete) is retried this many times, then left to expiry. */
const MAX_CLEANUP_ATTEMPTS = 10;
/** Webhooks signed more than 5 minutes from now are refused as stale; remembering deliveries twice as long covers skew. */
const DELIVERY_MEMORY_MS = 10 * 60_000;

/**
 * One generation job (named by a hash of requester and idempotency key, so a retried submit finds
 * it): queued → consent_checked → submitted → rendering → stored → ready, or failed / cancelled
 * with a reason. Every transition is written to SQLite before the next step acts, and alarms drive
 * the steps, so an eviction or crash anywhere resumes where the job was. Progress is pushed to
 * hibernatable WebSockets.
 */
export class GenerationJob extends DurableObject<Env> {
	readonly #store: JobStore;
	readonly #runtime: JobRuntime;
	#running: Promise<void> | undefined;
	/** The last state sent to sockets: cleanup writes change nothing a watcher sees. */
	#lastSent = '';

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#store = new JobStore(ctx.storage.sql);
		this.#runtime = createJobRuntime(env);
		// Keep-alives are answered without waking the object.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
	}

	/** Starts the job, or returns the one this object already holds (the idempotent retry). */
	async create(input: NewJob): Promise<Created> {
		const existing = this.#store.get();
		if (existing) {
			if (existing.requester !== input.requester) return { ok: false, reason: 'job id taken by another requester' };
			return { ok: true, created: false, job: this.#view(existing) };
		}
		const now = this.#runtime.now();
		const job: Job = {
			...input,
			secret: newSecret(),
			status: 'queued',
			progress: 0,
			attempts: 0,
			createdAt: now,
			updatedAt: now,
			deadlineAt: now + this.#runtime.config.timeoutMs,
			cleanup: { quota: false, provider: false, video: false },
		};
		this.#store.insert(job);
		await this.ctx.storage.setAlarm(Date.now());
		return { ok: true, created: true, job: this.#view(job) };
	}

	/** The job, for its requester only (anyone else learns nothing, not even that it exists). */
	view(requester: string): JobView | null {
		const job = this.#store.get();
		return job && job.requester === requester ? this.#view(job) : null;
	}

	async cancel(requester: string): Promise<JobView | null> {
		const job = this.#store.get();
		if (!job || job.requester !== requester) return null;
		if (isTerminal(job.status)) return this.#view(job);
		const cancelled = finish(job, 'cancelled', 'cancelled by the requester', this.#runtime.now(), true);
		this.#save(job, cancelled);
		// The slot is given back before answering, so the requester can start another job at once.
		const released = await this.#releaseQuota(cancelled);
		if (released !== cancelled) this.#save(cancelled, released);
		// The rest (provider cancel, deleting bytes) runs from the alarm, retried until done.
		await this.ctx.storage.setAlarm(Date.now());
		return this.#view(this.#store.get() ?? released);
	}

	/** While the job runs: who asked, and which reference of `did` it was planned with (the reference URL's check). */
	featuring(did: string): { requester: string; cid: string } | null {
		const job = this.#store.get();
		const reference = job && !isTerminal(job.status) ? job.plan?.references?.find((ref) => ref.did === did) : undefined;
		return job && reference ? { requester: job.requester, cid: reference.cid } : null;
	}

	/** For someone it features: the job, while it has not ended (their likeness page lists it). */
	featured(did: string): { id: string; requester: string; status: string; createdAt: number } | null {
		const job = this.#store.get();
		if (!job || isTerminal(job.status) || !job.spec.cameos.includes(did)) return null;
		return { id: job.id, requester: job.requester, status: job.status, createdAt: job.createdAt };
	}

	/**
	 * A featured person's consent or likeness changed: the job goes on only if it still may (the checks
	 * of its first step), else it fails now with the reason, and the provider's job is cancelled. True when stopped.
	 */
	async recheck(): Promise<boolean> {
		const job = this.#store.get();
		if (!job || isTerminal(job.status) || job.spec.cameos.length === 0) return false;
		const featured = await checkFeatured(this.#runtime.db, job.requester, job.spec.cameos, job.spec.remixOf, providerOf(job, this.#runtime));
		if (featured.ok) return false;
		const reason = `stopped while running: ${featured.error}: ${featured.message}`;
		// Lost to a step's write (the status moved meanwhile): the next recheck or step decides.
		if (!this.#save(job, finish(job, 'failed', reason, this.#runtime.now(), true))) return false;
		await this.ctx.storage.setAlarm(Date.now());
		return true;
	}

	/**
	 * The provider's webhook says its job `providerJobId`, started for this job, moved on. Ours: poll
	 * now instead of at the next scheduled poll. Another one while ours is known (a submit replayed
	 * after a crash started a second, which nobody follows) or after the end: an orphan to cancel.
	 */
	async nudge(providerJobId: string, deliveryId: string): Promise<'poll' | 'orphan' | 'ignored' | 'duplicate'> {
		const job = this.#store.get();
		if (!job) return 'ignored';
		if (!this.#store.claimDelivery(deliveryId, Date.now(), DELIVERY_MEMORY_MS)) return 'duplicate';
		if (job.providerJob?.id === providerJobId) {
			if (job.status !== 'submitted' && job.status !== 'rendering') return 'ignored';
			if (!this.#running) await this.ctx.storage.setAlarm(Date.now());
			return 'poll';
		}
		// Without a recorded provider job, the webhook may be for a submit still awaiting its answer.
		return job.providerJob || isTerminal(job.status) ? 'orphan' : 'ignored';
	}

	override async alarm(): Promise<void> {
		// One run at a time: an alarm firing while a step is awaited joins it.
		this.#running ??= this.#run().finally(() => (this.#running = undefined));
		await this.#running;
	}

	async #run(): Promise<void> {
		await this.ctx.storage.setAlarm(Date.now() + STEP_GUARD_MS);
		for (let i = 0; i < MAX_STEPS_PER_RUN; i++) {
			const job = this.#store.get();
			if (!job) return;
			if (isTerminal(job.status)) return this.#afterEnd(job);
			const now = this.#runtime.now();
			if (now >= job.deadlineAt) {
				const seconds = Math.round(this.#runtime.config.timeoutMs / 1000);
				this.#save(job, finish(job, 'failed', `timed out: not finished within ${seconds} s`, now, true));
				continue;
			}
			const outcome = await runStep(job, this.#runtime).catch((error: unknown) => ({ error }));
			const next = advance(job, outcome, this.#runtime.now());
			if (!this.#save(job, next.job)) {
				this.#adopt(next.job);
				continue;
			}
			if (next.after === undefined || next.after === 0) continue;
			await this.ctx.storage.setAlarm(Date.now() + Math.max(0, Math.min(next.after, next.job.deadlineAt - this.#runtime.now())));
			return;
		}
		await this.ctx.storage.setAlarm(Date.now());
	}

	/**
	 * A step's write lost to a concurrent cancel. What the step made outside still has to be
	 * undone: a provider job it submitted, bytes it stored.
	 */
	#adopt(attempted: Job): void {
		const current = this.#store.get();
		if (!current || !isTerminal(current.status) || current.status === 'ready') return;
		const providerJob = current.providerJob ?? attempted.providerJob;
		const cleanup = { ...current.cleanup, provider: current.cleanup.provider || (!current.providerJob && !!attempted.providerJob), video: true };
		this.#save(current, { ...current, providerJob, cleanup });
	}

	/** Cleanup after the end; a ready job then waits for its retention time to delete the video. */
	async #afterEnd(job: Job): Promise<void> {
		let next = await this.#releaseQuota(job);
		let failed = next.cleanup.quota;
		if (next.cleanup.notify) {
			try {
				await notifyJobEnded(this.#runtime.db, next, this.#runtime.now());
				next = { ...next, cleanup: { ...next.cleanup, notify: false } };
			} catch (error) {
				console.warn('notifying the end of a job failed', job.id, String(error));
				failed = true;
			}
		}
		if (next.cleanup.provider && next.providerJob) {
			try {
				await providerOf(next, this.#runtime).cancel(next.providerJob);
				next = { ...next, cleanup: { ...next.cleanup, provider: false } };
			} catch (error) {
				console.warn('cancelling at the provider failed', job.id, String(error));
				failed = true;
			}
		}
		const retainedUntil = (next.finishedAt ?? next.updatedAt) + this.#runtime.config.retentionMs;
		const retentionOver = next.status === 'ready' && !next.expired && this.#runtime.now() >= retainedUntil;
		if (next.cleanup.video || retentionOver) {
			try {
				// By its key, which is known even when the write recording the output lost to a cancel.
				await this.#runtime.bucket.delete(outputKey(next.id, next.secret));
				next = { ...next, expired: next.status === 'ready' || next.expired, cleanup: { ...next.cleanup, video: false } };
			} catch (error) {
				console.warn('deleting a job video failed', job.id, String(error));
				failed = true;
			}
		}
		const attempts = failed ? next.attempts + 1 : 0;
		if (next !== job || attempts !== job.attempts) this.#save(job, { ...next, attempts });
		if (failed && attempts < MAX_CLEANUP_ATTEMPTS) await this.ctx.storage.setAlarm(Date.now() + backoffMs(attempts, STEP_BACKOFF));
		else if (next.status === 'ready' && !next.expired && next.output) {
			await this.ctx.storage.setAlarm(Date.now() + Math.max(0, retainedUntil - this.#runtime.now()));
		} else {
			await this.ctx.storage.deleteAlarm(); // nothing left to do, not even the run's guard
		}
	}

	async #releaseQuota(job: Job): Promise<Job> {
		if (!job.cleanup.quota) return job;
		try {
			await this.#runtime.quota(job.requester).release(job.id);
			return { ...job, cleanup: { ...job.cleanup, quota: false } };
		} catch (error) {
			// The quota object also takes back slots older than the job timeout.
			console.warn('releasing a generation slot failed', job.id, String(error));
			return job;
		}
	}

	/** Compare-and-set on the status, then tell the watching sockets. */
	#save(expected: Job, next: Job): boolean {
		if (!this.#store.replace(expected.status, next)) return false;
		this.#broadcast(next);
		return true;
	}

	#view(job: Job): JobView {
		return jobView(job, this.#runtime.publicUrl);
	}

	// --- progress over WebSockets -------------------------------------------------------------

	/** Reached only through the worker's `/jobs/:id/events`, which has authenticated `requester`. */
	override async fetch(request: Request): Promise<Response> {
		const requester = new URL(request.url).searchParams.get('requester');
		const job = this.#store.get();
		if (!job || job.requester !== requester) {
			return new NotFoundError('JobNotFound', 'no such job of yours').toResponse();
		}
		if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
			return new XRPCError({ status: 426, error: 'InvalidRequest', message: 'expected a WebSocket upgrade' }).toResponse();
		}
		const { 0: client, 1: server } = new WebSocketPair();
		// Hibernatable: the object may sleep between progress updates without dropping the socket.
		this.ctx.acceptWebSocket(server);
		server.send(message(this.#view(job)));
		if (isTerminal(job.status)) server.close(1000, job.status);
		return new Response(null, { status: 101, webSocket: client });
	}

	/** Any message asks for the current state again. */
	override async webSocketMessage(socket: WebSocket): Promise<void> {
		const job = this.#store.get();
		if (job) socket.send(message(this.#view(job)));
	}

	override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
		try {
			socket.close(code === 1005 || code === 1006 ? 1000 : code, reason);
		} catch {
			// already closed
		}
	}

	#broadcast(job: Job): void {
		const text = message(this.#view(job));
		if (text === this.#lastSent) return;
		this.#lastSent = text;
		for (const socket of this.ctx.getWebSockets()) {
			try {
				socket.send(text);
				if (isTerminal(job.status)) socket.close(1000, job.status);
			} catch {
				// a socket closing meanwhile misses nothing it needs: the last message is the state
			}
		}
	}
}

function message(job: JobView): string {
	return JSON.stringify({ job });
}
