import { likenessKeys, type LikenessKeys } from './keys.ts';
import { LikenessStore } from './store.ts';
import { indexDatabase } from '../db/index-database.ts';

/** People's stored likenesses and the key their reference URLs are signed with. */
export interface LikenessKit {
	store: LikenessStore;
	keys: LikenessKeys;
}

/** Undefined when the deployment keeps no likenesses (no LIKENESS_KEY). */
export async function likenessKit(env: Pick<Env, 'LIKENESSES' | 'DB' | 'LIKENESS_KEY'>): Promise<LikenessKit | undefined> {
	const keys = await likenessKeys(env.LIKENESS_KEY);
	return keys && { keys, store: new LikenessStore(env.LIKENESSES, indexDatabase(env), keys.encryption) };
}
