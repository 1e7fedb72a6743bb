import type { Capabilities } from '../providers/provider.ts';
import { checkPermissions, type ParentClip, type Refusal } from './permissions.ts';

/** A featured person's stored reference that their consent commits to: what the job may hand a provider. */
export interface Reference {
	did: string;
	/** The set's CID. */
	cid: string;
	/** How many images the set holds: one URL each. */
	images: number;
}

export type FeaturedRefusal = Refusal | { error: 'ProviderCannotFeature'; status: 400; message: string } | { error: 'LikenessUnavailable'; status: 409; message: string };
export type Featured = { ok: true; parent?: ParentClip; references: Reference[] } | ({ ok: false } & FeaturedRefusal);

interface LikenessRow {
	did: string;
	handle: string | null;
	committed: string | null;
	stored: string | null;
	images: number | null;
}

/**
 * Everything that decides whether a job may run with the people it features, at submit and again
 * before submission and whenever their consent or likeness changes mid-job: the read views' rules
 * (permissions.ts), then each person's likeness. A person whose consent commits to a reference is
 * featured with it, or not at all: a provider that cannot take references is refused, never told to
 * leave the person out, and a commitment to a reference we do not hold (deleted, or kept elsewhere)
 * refuses the job. A consent without a commitment features the person by name only.
 */
export async function checkFeatured(
	db: D1Database,
	requester: string,
	cameos: string[],
	remixOf: string | undefined,
	provider: { name: string; capabilities: Capabilities },
): Promise<Featured> {
	const permission = await checkPermissions(db, requester, cameos, remixOf);
	if (!permission.ok) return permission;
	const likenesses = await likenessesOf(db, cameos);
	const missing = likenesses.filter((row) => row.committed !== null && row.committed !== row.stored);
	if (missing.length > 0) {
		return { ok: false, error: 'LikenessUnavailable', status: 409, message: `the consent of ${missing.map(name).join(', ')} names a likeness this service does not hold` };
	}
	const references = likenesses.flatMap((row) => (row.committed && row.committed === row.stored ? [{ did: row.did, cid: row.committed, images: row.images ?? 0 }] : []));
	// Every image of every person goes, or the job is refused: never a partial likeness.
	if (references.reduce((sum, reference) => sum + reference.images, 0) > provider.capabilities.references) {
		const most = provider.capabilities.references === 0 ? 'takes no reference images' : `takes at most ${provider.capabilities.references} reference images`;
		return { ok: false, error: 'ProviderCannotFeature', status: 400, message: `provider ${provider.name} ${most}; featuring ${likenesses.filter((row) => row.committed).map(name).join(', ')} needs one that takes their likeness` };
	}
	return { ok: true, ...(permission.parent ? { parent: permission.parent } : {}), references };
}

/** The CID of `did`'s reference that `requester` may be handed now: their consent allows it and commits to the bytes stored. */
export async function allowedReference(db: D1Database, requester: string, did: string): Promise<string | undefined> {
	if (!(await checkPermissions(db, requester, [did])).ok) return undefined;
	const [row] = await likenessesOf(db, [did]);
	return row?.committed && row.committed === row.stored ? row.committed : undefined;
}

/** Each featured person's committed reference (from their indexed consent) and the one stored here. */
async function likenessesOf(db: D1Database, cameos: string[]): Promise<LikenessRow[]> {
	if (cameos.length === 0) return [];
	const { results } = await db
		.prepare(
			`SELECT j.value AS did, (SELECT handle FROM actors WHERE did = j.value) AS handle,
			   (SELECT record ->> '$.likeness.cid' FROM consents WHERE did = j.value) AS committed,
			   (SELECT cid FROM likenesses WHERE did = j.value) AS stored,
			   (SELECT json_array_length(images) FROM likenesses WHERE did = j.value) AS images
			 FROM json_each(?1) AS j`,
		)
		.bind(JSON.stringify([...new Set(cameos)]))
		.all<LikenessRow>();
	return results;
}

function name(row: LikenessRow): string {
	return row.handle ? `${row.handle} (${row.did})` : row.did;
}
