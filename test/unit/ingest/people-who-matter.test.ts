// After a batch, only people some clip, likeness or running cameo job involves are handed to the
// mirror and the likeness checks: a follow between two people no clip involves changes nothing there.
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { peopleFrom, peopleWhoMatterQuery } from '../../../worker/ingest/people-who-matter.ts';
import { newDid, seedClip } from '../index-fixtures.ts';

const peopleWhoMatter = async (people: string[]) => peopleFrom(await peopleWhoMatterQuery(env.DB, people).all());

it('keeps authors, people featured, people with a likeness or a running cameo job; drops the rest', async () => {
	const [author, featured, withLikeness, inJob, bystander, deletedAuthor] = [newDid(), newDid(), newDid(), newDid(), newDid(), newDid()];
	await seedClip(author, { cameos: [featured] });
	const gone = await seedClip(deletedAuthor);
	await env.DB.batch([
		// A deleted clip's tombstone still counts: remixes below it are judged through it.
		env.DB.prepare(`UPDATE clip_index SET deleted = 1 WHERE uri = ?1`).bind(gone.uri),
		env.DB.prepare(`INSERT INTO likenesses (did, cid, created_at) VALUES (?1, 'bafyreilikeness', ?2)`).bind(withLikeness, new Date().toISOString()),
		env.DB.prepare(`INSERT INTO cameo_jobs (did, job_id, requester, created_at, deadline_at) VALUES (?1, 'job-1', ?2, ?3, ?3)`).bind(inJob, author, new Date().toISOString()),
	]);
	const kept = await peopleWhoMatter([bystander, author, featured, withLikeness, inJob, bystander, deletedAuthor]);
	expect(kept.sort()).toEqual([author, featured, withLikeness, inJob, deletedAuthor].sort());
	expect(await peopleWhoMatter([])).toEqual([]);
});
