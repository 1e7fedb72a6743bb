import type { AspectRatio, GenerationRequest, ProviderJob } from '../providers/provider.ts';
import type { StrongRef } from '../nsid.ts';
import type { Reference } from './featured.ts';

export type JobStatus = 'queued' | 'consent_checked' | 'submitted' | 'rendering' | 'stored' | 'ready' | 'failed' | 'cancelled';

/** No step runs after these; only cleanup (quota, provider, stored video) may remain. */
export const TERMINAL: ReadonlySet<JobStatus> = new Set(['ready', 'failed', 'cancelled']);

/** What the requester asked for, as accepted by `generate` (defaults applied). */
export interface JobSpec {
	prompt: string;
	durationSeconds: number;
	aspectRatio: AspectRatio;
	cameos: string[];
	remixOf?: string;
	/** The parent and root as the index showed them when the job was accepted. */
	lineage?: { parent: StrongRef; root: StrongRef };
	provider: string;
	model: string;
}

/** Decided once consent and remix policy allowed the job: exactly what goes to the provider. */
export interface JobPlan {
	request: GenerationRequest;
	parent?: StrongRef;
	root?: StrongRef;
	/** The likenesses the request's reference URLs serve, each only while the job runs. */
	references?: Reference[];
}

/** The finished video in R2 and what the MP4 itself says (absent when it could not be read). */
export interface JobOutput {
	key: string;
	size: number;
	mimeType: string;
	durationMs?: number;
	aspectRatio?: { width: number; height: number };
}

/** Work left after a job ended; each flag is cleared once done, retried by the alarm until then. */
export interface Cleanup {
	/** Give the requester's concurrency slot back. */
	quota: boolean;
	/** Cancel the provider's job (cancelled or timed out while it ran). */
	provider: boolean;
	/** Delete the stored video: at once for failed jobs, after the retention time for ready ones. */
	video: boolean;
	/** Tell the requester it ended (ready or failed: a cancel is theirs, or revocation's, and they know). */
	notify?: boolean;
}

/** A job's whole durable state: one row in its Durable Object, rewritten at every transition. */
export interface Job {
	id: string;
	requester: string;
	/** Part of the video's URL: who knows the URL may fetch the video, and only the requester is given it. */
	secret: string;
	spec: JobSpec;
	status: JobStatus;
	progress: number;
	queuePosition?: number;
	plan?: JobPlan;
	providerJob?: ProviderJob;
	submittedAt?: number;
	output?: JobOutput;
	/** Set once the retention time passed and the video was deleted. */
	expired?: boolean;
	error?: string;
	/** Failed tries of the current step, for backoff; reset by every transition. */
	attempts: number;
	createdAt: number;
	updatedAt: number;
	deadlineAt: number;
	finishedAt?: number;
	cleanup: Cleanup;
}

export const isTerminal = (status: JobStatus): boolean => TERMINAL.has(status);

/** A job's id is derived from who asked and their idempotency key: a retry finds the same object. */
export async function jobIdFor(requester: string, idempotencyKey: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${requester}\n${idempotencyKey}`));
	return hex(new Uint8Array(digest).subarray(0, 16));
}

export const JOB_ID = /^[0-9a-f]{32}$/;
export const SECRET = /^[0-9a-f]{32}$/;

/** 128 random bits: the video URL cannot be guessed, even by someone who knows the job id. */
export function newSecret(): string {
	return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** Where the finished video lives in R2: under the secret, so the key alone proves the URL was given out. */
export function outputKey(id: string, secret: string): string {
	return `jobs/${id}/${secret}.mp4`;
}

function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
