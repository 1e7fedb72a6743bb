import type { JobRuntime } from '../jobs/runtime.ts';
import type { VideoDreamreelGetLikeness } from '../lexicons/index.ts';
import { jobsFeaturing } from './revocations.ts';

export type LikenessJob = VideoDreamreelGetLikeness.LikenessJob;
/** The lexicons' bound on the jobs listed. */
const MAX_JOBS = 100;

/** Unfinished jobs featuring `did`, newest first: each listed job answers for itself, so ended ones drop out. */
export async function jobsInFlight(runtime: JobRuntime, did: string): Promise<LikenessJob[]> {
	const ids = (await jobsFeaturing(runtime.db, [did], new Date(runtime.now()))).slice(0, MAX_JOBS);
	const jobs = await Promise.all(ids.map((id) => runtime.job(id).featured(did)));
	return jobs
		.flatMap((job) => (job ? [job] : []))
		.sort((a, b) => b.createdAt - a.createdAt)
		.map((job) => ({
			id: job.id,
			requester: job.requester as LikenessJob['requester'],
			status: job.status,
			createdAt: new Date(job.createdAt).toISOString() as LikenessJob['createdAt'],
		}));
}
