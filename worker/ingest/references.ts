import type { ActorResolver } from '@atcute/identity-resolver';
import { isDid, isHandle, isResourceUri, parseResourceUri, type Handle } from '@atcute/lexicons/syntax';
import type { IndexedCollection } from './records.ts';
import { COMMENT, LIKE, REMIX } from '../nsid.ts';

/** Where each collection's records name other records: paths to strongRefs, whose `uri` is a reference. */
const REFERENCES: Partial<Record<IndexedCollection, string[][]>> = {
	[REMIX]: [['parent'], ['root']],
	[LIKE]: [['subject']],
	[COMMENT]: [['subject'], ['reply', 'root'], ['reply', 'parent']],
};

/** How long one batch may wait for handles the index does not know: the stream must not stall on them. */
const RESOLVE_BUDGET_MS = 3000;

type Row = Record<string, unknown>;

function refsOf(collection: IndexedCollection, record: object): { uri: string }[] {
	return (REFERENCES[collection] ?? []).flatMap((path) => {
		const ref = path.reduce<unknown>((node, key) => (node as Row | undefined)?.[key], record) as { uri?: unknown } | undefined;
		return typeof ref?.uri === 'string' ? [ref as { uri: string }] : [];
	});
}

/** The handles (lower-cased) that a record's references name instead of a DID. */
export function referencedHandles(collection: IndexedCollection, record: Row | undefined): string[] {
	if (!record) return [];
	return refsOf(collection, record).flatMap(({ uri }) => {
		const repo = isResourceUri(uri) ? parseResourceUri(uri).repo : undefined;
		return repo && isHandle(repo) ? [repo.toLowerCase()] : [];
	});
}

/**
 * Handle → DID for `handles`: first the index's accounts (their handles were verified both ways
 * when synced), then the network through `actors` (which verifies too), within RESOLVE_BUDGET_MS.
 * A handle missing from the answer could not be resolved.
 */
export async function resolveHandles(db: D1Database, handles: string[], actors?: ActorResolver): Promise<Map<string, string>> {
	const resolved = new Map<string, string>();
	if (handles.length === 0) return resolved;
	const { results } = await db
		.prepare('SELECT did, lower(handle) AS handle FROM actors WHERE lower(handle) IN (SELECT value FROM json_each(?1))')
		.bind(JSON.stringify(handles))
		.all<{ did: string; handle: string }>();
	for (const row of results) resolved.set(row.handle, row.did);
	const unknown = handles.filter((handle) => !resolved.has(handle));
	if (!actors || unknown.length === 0) return resolved;
	const signal = AbortSignal.timeout(RESOLVE_BUDGET_MS);
	await Promise.all(
		unknown.map(async (handle) => {
			const actor = await actors.resolve(handle as Handle, { signal }).catch(() => undefined);
			if (actor && actor.handle.toLowerCase() === handle) resolved.set(handle, actor.did);
		}),
	);
	return resolved;
}

/**
 * The record with every reference in the one form the index stores, `at://<did>/<collection>/<rkey>`.
 * A reference that cannot be put in that form (an unresolved handle, no record key) is left as it
 * is: it matches no indexed record, so whatever depends on it is judged as missing, and hidden.
 */
export function canonicalReferences<T extends object>(collection: IndexedCollection, record: T, handles: Map<string, string>): T {
	if (refsOf(collection, record).length === 0) return record;
	const copy = structuredClone(record);
	for (const ref of refsOf(collection, copy)) ref.uri = canonicalUri(ref.uri, handles) ?? ref.uri;
	return copy;
}

function canonicalUri(uri: string, handles: Map<string, string>): string | undefined {
	if (!isResourceUri(uri)) return undefined;
	const { repo, collection, rkey } = parseResourceUri(uri);
	if (!collection || !rkey) return undefined;
	const did = isDid(repo) ? repo : handles.get(repo.toLowerCase());
	return did ? `at://${did}/${collection}/${rkey}` : undefined;
}

/** The DIDs whose records a record's references name (canonical references only). */
export function referencedAuthors(collection: IndexedCollection, record: object): string[] {
	return refsOf(collection, record).flatMap(({ uri }) => {
		const repo = isResourceUri(uri) ? parseResourceUri(uri).repo : undefined;
		return repo && isDid(repo) ? [repo] : [];
	});
}
