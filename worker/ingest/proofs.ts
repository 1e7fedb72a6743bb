/**
 * Proofs for what an unproven stream (Jetstream) said would widen what is shown, and for consents in
 * commits that could not be verified: the consent is fetched from its owner's own PDS with
 * `com.atproto.sync.getRecord` and checked like a firehose commit (signature by the DID document's key,
 * every block against its CID, the record in the signed tree, or its absence); a reactivated account
 * is confirmed with that PDS's `getRepoStatus`.
 */
import { ComAtprotoSyncGetRecord, ComAtprotoSyncGetRepoStatus } from '@atcute/atproto';
import { fromUint8Array } from '@atcute/car';
import { decode } from '@atcute/cbor';
import * as CID from '@atcute/cid';
import { P256PublicKey, Secp256k1PublicKey, type FoundPublicKey, type PublicKey } from '@atcute/crypto';
import { getPdsEndpoint } from '@atcute/identity';
import type { AtprotoDid, Did } from '@atcute/lexicons/syntax';
import { isCommit, verifyRecord } from '@atcute/repo';
import { outboundFetch } from '../outbound-fetch.ts';
import type { ProofRequest } from './apply.ts';
import type { RecordOp } from './events.ts';
import { signingKey } from './authenticity.ts';
import { commitFailure } from './verify-commit.ts';
import type { ActorSync } from './backfill.ts';

/** Fetches and checks a proof, and applies what it proves. Throws when the PDS cannot be asked (retried). */
export async function prove(sync: ActorSync, request: ProofRequest): Promise<void> {
	await (request.kind === 'record' ? proveRecord(sync, request.uri) : proveAccount(sync, request.did));
}

async function proveRecord(sync: ActorSync, uri: string): Promise<void> {
	const [did, collection, rkey] = uri.slice('at://'.length).split('/') as [Did, string, string];
	const document = await sync.identity.dids.resolve(did);
	const pds = getPdsEndpoint(document);
	const found = signingKey(document);
	if (!pds || !found) throw new Error(`${did} names no PDS or no signing key`);
	const url = new URL(`/xrpc/${ComAtprotoSyncGetRecord.mainSchema.nsid}`, pds);
	url.search = new URLSearchParams({ did, collection, rkey }).toString();
	const response = await outboundFetch(sync.allowLoopbackFetch)(url);
	// Gone, but unsigned (no revision to apply a deletion at): what the index held back stays held.
	if (response.status === 400 && (await xrpcError(response)) === 'RecordNotFound') return;
	if (!response.ok) throw new Error(`getRecord on ${pds} answered ${response.status}`);
	const carBytes = new Uint8Array(await response.arrayBuffer());
	const rev = commitRev(carBytes);
	const proven = await verifyRecord({ did: did as AtprotoDid, collection, rkey, publicKey: await publicKeyOf(found), carBytes }).then(
		// JSON's round trip turns the decoder's CID-link and bytes wrappers into the JSON form streams carry.
		(verified): RecordOp => ({ action: 'update', uri, collection, rkey, cid: verified.cid, record: JSON.parse(JSON.stringify(verified.record)) }),
		async (error: unknown): Promise<RecordOp> => {
			// A PDS answers for a record it does not hold with a signed proof of its absence: checked, it is
			// the deletion it proves (a revocation the index may only have held back, see apply.ts).
			const deleted: RecordOp = { action: 'delete', uri, collection, rkey };
			if ((await commitFailure({ kind: 'commit', cursor: 0, did, rev, ops: [deleted], proof: { commit: rootOf(carBytes), blocks: carBytes } }, found)) === undefined) return deleted;
			throw error;
		},
	);
	await sync.apply([{ kind: 'commit', cursor: 0, did, rev, ops: [proven] }]);
}

async function proveAccount(sync: ActorSync, did: string): Promise<void> {
	const pds = getPdsEndpoint(await sync.identity.dids.resolve(did as Did));
	if (!pds) throw new Error(`${did} names no PDS`);
	const url = new URL(`/xrpc/${ComAtprotoSyncGetRepoStatus.mainSchema.nsid}`, pds);
	url.searchParams.set('did', did);
	const response = await outboundFetch(sync.allowLoopbackFetch)(url);
	if (!response.ok && response.status !== 400) throw new Error(`getRepoStatus on ${pds} answered ${response.status}`);
	const answer = await response.json<{ active?: unknown; status?: unknown }>();
	const active = response.ok && answer.active === true;
	const status = active ? undefined : typeof answer.status === 'string' ? answer.status : 'unknown';
	await sync.apply([{ kind: 'account', cursor: 0, did, active, ...(status ? { status } : {}) }], { statusFromPds: true });
}

async function xrpcError(response: Response): Promise<string | undefined> {
	const body = await response.json<{ error?: unknown }>().catch(() => undefined);
	return typeof body?.error === 'string' ? body.error : undefined;
}

function rootOf(carBytes: Uint8Array): string {
	const root = fromUint8Array(carBytes).header.data.roots[0];
	if (!root) throw new Error('the proof has no root');
	return root.$link;
}

/** The revision the commit at the root of a proof claims (checked with the commit, by the caller). */
function commitRev(carBytes: Uint8Array): string {
	const root = rootOf(carBytes);
	for (const entry of fromUint8Array(carBytes)) {
		if (CID.toString(entry.cid) !== root) continue;
		const commit: unknown = decode(entry.bytes);
		if (isCommit(commit)) return commit.rev;
	}
	throw new Error('the proof has no commit');
}

async function publicKeyOf(found: FoundPublicKey): Promise<PublicKey> {
	return found.type === 'p256' ? P256PublicKey.importRaw(found.publicKeyBytes) : Secp256k1PublicKey.importRaw(found.publicKeyBytes);
}
