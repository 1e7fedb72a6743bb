import { z } from 'zod';

const count = (fallback: number) => z.coerce.number<unknown>().int().positive().default(fallback);

/** Unset and empty vars both take the default (wrangler vars are strings). */
const blankAsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const varsSchema = z.object({
	JOB_MAX_ACTIVE: z.preprocess(blankAsUnset, count(3)),
	JOB_DAILY_QUOTA: z.preprocess(blankAsUnset, count(50)),
	JOB_TIMEOUT_SECONDS: z.preprocess(blankAsUnset, count(20 * 60)),
	JOB_RETENTION_HOURS: z.preprocess(blankAsUnset, count(7 * 24)),
	JOB_HOST_DAILY_QUOTA: z.preprocess(blankAsUnset, count(200)),
	JOB_TRUSTED_PDS_HOSTS: z.preprocess(blankAsUnset, z.string().default('bsky.network')),
	GENERATION_DAILY_SECONDS: z.preprocess(blankAsUnset, z.string().default('')),
});

/** Seconds of video per UTC day, per provider, unless GENERATION_DAILY_SECONDS says otherwise. */
const DEFAULT_DAILY_SECONDS: Record<string, number> = { fal: 3_600, replicate: 3_600, demo: 86_400 };

/** `fal=3600,replicate=1800`: each provider named at most once, each budget a positive whole number. */
const dailySeconds = z
	.string()
	.transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
	.pipe(z.array(z.string().regex(/^(fal|replicate|demo)=\d+$/, 'must be provider=seconds, provider one of fal, replicate, demo')))
	.transform((parts) => {
		const budgets = new Map(Object.entries(DEFAULT_DAILY_SECONDS));
		for (const part of parts) {
			const [name, seconds] = part.split('=') as [string, string];
			budgets.set(name, Number(seconds));
		}
		return budgets;
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
	/** Jobs the accounts of one PDS host (grouped by its last two labels) may start per UTC day. */
	hostDailyQuota: number;
	/** Hosts (suffixes) whose accounts have only the per-account limits: big PDS operators that vet sign-ups. */
	trustedPdsHosts: string[];
	/** The deployment's daily spend ceiling per provider, in seconds of video (0: none may be spent). */
	dailySeconds: ReadonlyMap<string, number>;
}

/** Parses the job vars once; a misconfiguration fails loudly at the first generation. */
export function readJobConfig(vars: object): JobConfig {
	const v = varsSchema.parse(vars);
	return {
		maxActive: v.JOB_MAX_ACTIVE,
		dailyQuota: v.JOB_DAILY_QUOTA,
		timeoutMs: v.JOB_TIMEOUT_SECONDS * 1000,
		retentionMs: v.JOB_RETENTION_HOURS * 3_600_000,
		hostDailyQuota: v.JOB_HOST_DAILY_QUOTA,
		trustedPdsHosts: v.JOB_TRUSTED_PDS_HOSTS.split(',').map((host) => host.trim().toLowerCase()).filter(Boolean),
		dailySeconds: dailySeconds.parse(v.GENERATION_DAILY_SECONDS),
	};
}
