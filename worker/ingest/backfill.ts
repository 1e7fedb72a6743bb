import { ComAtprotoRepoDescribeRepo, ComAtprotoRepoListRecords, ComAtprotoSyncGetLatestCommit } from '@atcute/atproto';
import type { Did } from '@atcute/lexicons';
import type { Identity } from '../identity/index.ts';
import { outboundFetch } from '../outbound-fetch.ts';
import type { ApplyOptions, ApplyResult } from './apply.ts';
import type { NetworkEvent, RecordOp } from './events.ts';
import { indexedCollections } from './records.ts';

/** A repo's follows can be many; beyond this the stream keeps them current. */
const MAX_PAGES_PER_COLLECTION = 50;

export interface ActorSync {
	db: D1Database;
	identity: Identity;
	allowLoopbackFetch: boolean;
	/** Writes to the index, one at a time with the stream's writes, and hands on what they imply (durable-objects/Ingester.ts). */
	apply: (events: NetworkEvent[], options?: ApplyOptions) => Promise<ApplyResult>;
}

/**
 * Re-resolves an account (handle verified both ways, PDS from the DID document) into the index. The
 * cached DID document will do: an #identity event deletes it (apply.ts, and the Ingester's memory of it)
 * before the refresh it causes runs, and a newly seen account's was read moments ago to verify its commit.
 */
export async function refreshActor(sync: ActorSync, did: string): Promise<void> {
	await saveActor(sync.db, did, await sync.identity.actors.resolve(did as Did));
}

/**
 * Reads a repo's indexed collections from its PDS, so a newly seen account's clips appear without
 * waiting for new events. Records are applied at the repo's current revision: anything the stream
 * later says about them is newer and wins. The repo's own PDS (named by its DID document) speaks for
 * it, so what it lists counts as proven.
 */
export async function backfillRepo(sync: ActorSync, did: string): Promise<void> {
	const actor = await sync.identity.actors.resolve(did as Did);
	const xrpc = pdsClient(actor.pds, outboundFetch(sync.allowLoopbackFetch));
	// Only the indexed collections the repo has: most accounts hold none, and each costs calls.
	const described = await xrpc<{ collections?: unknown }>(ComAtprotoRepoDescribeRepo.mainSchema.nsid, { repo: did });
	const held = new Set(Array.isArray(described.collections) ? described.collections : []);
	const collections = Object.keys(indexedCollections).filter((name) => held.has(name));
	if (collections.length > 0) {
		// The handle first, so that what is listed next shows under it.
		await saveActor(sync.db, did, actor);
		const { rev } = await xrpc<{ rev: string }>(ComAtprotoSyncGetLatestCommit.mainSchema.nsid, { did });
		for (const collection of collections) await backfillCollection(sync, xrpc, did, rev, collection);
	}
	await saveActor(sync.db, did, actor, new Date());
}

type PdsClient = <T>(method: string, params: Record<string, string>) => Promise<T>;

function pdsClient(pds: string, fetch: typeof globalThis.fetch): PdsClient {
	return async <T>(method: string, params: Record<string, string>): Promise<T> => {
		const url = new URL(`/xrpc/${method}`, pds);
		for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
		const response = await fetch(url);
		if (!response.ok) throw new Error(`${method} on ${pds} answered ${response.status}`);
		return response.json<T>();
	};
}

async function backfillCollection(sync: ActorSync, xrpc: PdsClient, did: string, rev: string, collection: string): Promise<void> {
	let cursor: string | undefined;
	for (let page = 0; page < MAX_PAGES_PER_COLLECTION; page++) {
		const listed = await xrpc<{ cursor?: string; records: { uri: string; cid: string; value: unknown }[] }>(
			ComAtprotoRepoListRecords.mainSchema.nsid,
			{ repo: did, collection, limit: '100', ...(cursor ? { cursor } : {}) },
		);
		// Only records of this repo and collection: a PDS does not speak for other repos.
		const ops: RecordOp[] = listed.records.flatMap((record) => {
			const rkey = record.uri.split('/').pop() ?? '';
			const uri = `at://${did}/${collection}/${rkey}`;
			return record.uri === uri ? [{ action: 'create', uri, collection, rkey, cid: record.cid, record: record.value }] : [];
		});
		if (ops.length > 0) await sync.apply([{ kind: 'commit', cursor: 0, did, rev, ops }], { discoverFollowed: false });
		cursor = listed.cursor;
		if (!cursor || listed.records.length === 0) return;
	}
}

/** The account's handle and PDS; with `backfilledAt`, also that its repo has been read. */
async function saveActor(db: D1Database, did: string, { handle, pds }: { handle: string; pds: string }, backfilledAt?: Date): Promise<void> {
	await db
		.prepare('UPDATE actors SET handle = ?2, pds = ?3, backfilled_at = COALESCE(?4, backfilled_at) WHERE did = ?1')
		.bind(did, handle, pds, backfilledAt?.toISOString() ?? null)
		.run();
}
