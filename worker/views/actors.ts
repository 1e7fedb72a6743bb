import type { ActorResolver } from '@atcute/identity-resolver';
import type { ActorIdentifier } from '@atcute/lexicons/syntax';
import { NotFoundError } from '../errors.ts';

/**
 * The DID of an indexed, active account named by handle or DID. A handle the index has not verified
 * yet (a brand-new account) is resolved over the network rather than refused.
 */
export async function resolveIndexedActor(db: D1Database, actors: ActorResolver, actor: ActorIdentifier): Promise<string> {
	let did: string | undefined = actor.startsWith('did:') ? actor : await indexedHandle(db, actor);
	if (!did) did = await actors.resolve(actor).then((resolved) => resolved.did, () => undefined);
	const row = did && (await db.prepare('SELECT did FROM actors WHERE did = ?1 AND active = 1').bind(did).first<{ did: string }>());
	if (!row) throw new NotFoundError('ActorNotFound', `no indexed account ${actor}`);
	return row.did;
}

async function indexedHandle(db: D1Database, handle: string): Promise<string | undefined> {
	const row = await db.prepare('SELECT did FROM actors WHERE handle = ?1').bind(handle.toLowerCase()).first<{ did: string }>();
	return row?.did;
}
