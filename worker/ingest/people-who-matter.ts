/**
 * Of the people whose consent, follows, blocks or account a batch changed, those whose change can
 * move anything downstream: who author or are featured in a clip (the mirror re-checks those clips'
 * videos, Mirror.recheck), or hold a likeness or a running cameo job (likeness/revocations.ts). A
 * relay's stream is mostly follows between people no clip involves; skipping them spares nearly every
 * batch a Mirror call and the likeness checks, which would find nothing for them. A query, to ride in
 * a batch (see ApplyOptions.readAfter), whose rows `peopleFrom` reads.
 */
export function peopleWhoMatterQuery(db: D1Database, people: string[]): D1PreparedStatement {
	return db
		.prepare(
			`SELECT DISTINCT value AS did FROM json_each(?1)
			 WHERE EXISTS (SELECT 1 FROM clip_index WHERE did = value) OR EXISTS (SELECT 1 FROM cameos WHERE did = value)
			    OR EXISTS (SELECT 1 FROM likenesses WHERE did = value) OR EXISTS (SELECT 1 FROM cameo_jobs WHERE did = value)`,
		)
		.bind(JSON.stringify(people));
}

export const peopleFrom = ({ results }: D1Result): string[] => (results as { did: string }[]).map((row) => row.did);
