import type { GenerationJob } from '../../durable-objects/GenerationJob.ts';
import type { LikenessStore } from './store.ts';

type JobStub = (id: string) => DurableObjectStub<GenerationJob>;

/** Unfinished jobs featuring any of `dids` (by the cameo_jobs listing; ended ones answer as such). */
export async function jobsFeaturing(db: D1Database, dids: string[], now: Date): Promise<string[]> {
	if (dids.length === 0) return [];
	return jobIds(await jobsFeaturingQuery(db, JSON.stringify(dids), now).all<{ job_id: string }>());
}

const jobsFeaturingQuery = (db: D1Database, dids: string, now: Date) =>
	db.prepare('SELECT DISTINCT job_id FROM cameo_jobs WHERE did IN (SELECT value FROM json_each(?1)) AND deadline_at > ?2').bind(dids, now.toISOString());

const jobIds = ({ results }: D1Result<{ job_id: string }>) => results.map((row) => row.job_id);

/** Has every unfinished job featuring `dids` check again whether it may go on; how many stopped. */
export async function recheckJobsFeaturing(db: D1Database, job: JobStub, dids: string[], now: Date): Promise<number> {
	return recheck(job, await jobsFeaturing(db, dids, now));
}

async function recheck(job: JobStub, ids: string[]): Promise<number> {
	const stopped = await Promise.all(
		ids.map((id) =>
			job(id)
				.recheck()
				// One broken job object must not hold up the others (or the index); its reference URL still checks consent.
				.catch((error: unknown) => (console.warn('re-checking a job failed', id, String(error)), false)),
		),
	);
	return stopped.filter(Boolean).length;
}

/**
 * After the index took in changes to these people's consents (or follows, or accounts): a stored
 * reference their consent named and no longer names — the consent deleted, or changed to name none or
 * another — or whose owner's account is deleted, is deleted, and their unfinished jobs check again
 * whether they may go on. A consent only held back for its proof (Jetstream, an unverifiable commit)
 * is not a deletion: its last revision is not marked deleted. One D1 round trip: the Ingester calls
 * this after every batch.
 */
export async function consentsChanged(db: D1Database, store: LikenessStore | undefined, job: JobStub, people: string[], now: Date): Promise<void> {
	if (people.length === 0) return;
	const list = JSON.stringify([...new Set(people)]);
	const [, gone, jobs] = await db.batch<{ did: string } & { job_id: string }>([
		db
			.prepare(
				`UPDATE likenesses SET committed = 1 WHERE committed = 0 AND did IN (SELECT value FROM json_each(?1))
				   AND cid = (SELECT record ->> '$.likeness.cid' FROM consents WHERE consents.did = likenesses.did)`,
			)
			.bind(list),
		db
			.prepare(
				`SELECT l.did FROM likenesses l WHERE l.did IN (SELECT value FROM json_each(?1)) AND (
				   EXISTS (SELECT 1 FROM actors a WHERE a.did = l.did AND a.status = 'deleted')
				   OR (l.committed = 1 AND (
				     EXISTS (SELECT 1 FROM consents c WHERE c.did = l.did AND (c.record ->> '$.likeness.cid') IS NOT l.cid)
				     OR EXISTS (SELECT 1 FROM record_revs r WHERE r.uri = 'at://' || l.did || '/video.dreamreel.consent/self' AND r.deleted = 1))))`,
			)
			.bind(list),
		jobsFeaturingQuery(db, list, now),
	]);
	const deletions = gone!.results;
	// Without the key (removed after likenesses were stored) nothing can be read or served; the index must not stall on it.
	if (deletions.length > 0 && !store) console.error('likenesses to delete, but LIKENESS_KEY is gone:', deletions.length);
	for (const { did } of deletions) await store?.delete(did);
	await recheck(job, jobIds(jobs!));
}
