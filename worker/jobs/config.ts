import { z } from 'zod';

const count = (fallback: number) => z.coerce.number<unknown>().int().positive().default(fallback);

/** Unset and empty vars both take the default (wrangler vars are strings). */
const blankAsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const varsSchema = z.object({
	JOB_MAX_ACTIVE: z.preprocess(blankAsUnset, count(3)),
	JOB_DAILY_QUOTA: z.preprocess(blankAsUnset, count(50)),
	JOB_TIMEOUT_SECONDS: z.preprocess(blankAsUnset, count(20 * 60)),
	JOB_RETENTION_HOURS: z.preprocess(blankAsUnset, count(7 * 24)),
});

export interface JobConfig {
	/** Jobs one requester may have unfinished at once. */
	maxActive: number;
	/** Jobs one requester may start per UTC day. */
	dailyQuota: number;
	/** A job not finished this long after it was created fails (and its provider job is cancelled). */
	timeoutMs: number;
	/** How long a finished video stays in R2 for its requester to publish. */
	retentionMs: number;
}

/** Parses the job vars once; a misconfiguration fails loudly at the first generation. */
export function readJobConfig(vars: object): JobConfig {
	const v = varsSchema.parse(vars);
	return {
		maxActive: v.JOB_MAX_ACTIVE,
		dailyQuota: v.JOB_DAILY_QUOTA,
		timeoutMs: v.JOB_TIMEOUT_SECONDS * 1000,
		retentionMs: v.JOB_RETENTION_HOURS * 3_600_000,
	};
}
