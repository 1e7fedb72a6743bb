import type { ActorIdentifier } from '@atcute/lexicons/syntax';
import { NotFoundError } from '../xrpc/errors.ts';

/** The DID of an indexed, active account named by handle or DID. */
export async function resolveIndexedActor(db: D1Database, actor: ActorIdentifier): Promise<string> {
	const column = actor.startsWith('did:') ? 'did' : 'handle';
	const row = await db
		.prepare(`SELECT did FROM actors WHERE ${column} = ?1 AND active = 1`)
		.bind(actor.toLowerCase())
		.first<{ did: string }>();
	if (!row) throw new NotFoundError('ActorNotFound', `no indexed account ${actor}`);
	return row.did;
}
