/**
 * Proofs for what an unproven stream (Jetstream) said would widen what is shown, and for consents in
 * commits that could not be verified: the consent is fetched from its owner's own PDS with
 * `com.atproto.sync.getRecord` and checked like a firehose commit (signature by the DID document's key,
 * every block against its CID, the record in the signed tree, or its absence). A PDS that answers a
 * missing record with a bare `RecordNotFound` is taken at its word, as a deletion needs no proof. A
 * reactivated account is confirmed with that PDS's `getRepoStatus`.
 */
import { ComAtprotoSyncGetLatestCommit, ComAtprotoSyncGetRecord, ComAtprotoSyncGetRepoStatus } from '@atcute/atproto';
import { fromUint8Array } from '@atcute/car';
import { decode } from '@atcute/cbor';
import * as CID from '@atcute/cid';
import { P256PublicKey, Secp256k1PublicKey, type FoundPublicKey, type PublicKey } from '@atcute/crypto';
import { getPdsEndpoint } from '@atcute/identity';
import { isTid, type AtprotoDid, type Did } from '@atcute/lexicons/syntax';
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

type Target = { uri: string; did: Did; collection: string; rkey: string };

async function proveRecord(sync: ActorSync, uri: string): Promise<void> {
	const [did, collection, rkey] = uri.slice('at://'.length).split('/') as [Did, string, string];
	const target: Target = { uri, did, collection, rkey };
	const document = await sync.identity.dids.resolve(did);
	const pds = getPdsEndpoint(document);
	const key = signingKey(document);
	if (!pds || !key) throw new Error(`${did} names no PDS or no signing key`);
	const getRecord = () => fetchRecord(sync, pds, target);
	const carBytes = await getRecord();
	if (carBytes) return applyProof(sync, target, key, carBytes);
	// Gone, but unsigned (as some PDSs answer): a revocation needs no signature, so the owner's own PDS's
	// word deletes it, at the revision the repo stands at. Asked once more after reading that revision, a
	// record written in between is found (and needs its proof); one written later is newer than the deletion.
	const rev = await latestRev(sync, pds, did);
	const again = await getRecord();
	if (again) return applyProof(sync, target, key, again);
	await sync.apply([{ kind: 'commit', cursor: 0, did, rev, ops: [{ action: 'delete', uri, collection, rkey }] }]);
}

/** The record with its proof (a CAR), or undefined when the PDS answers that it is not there, unsigned. */
async function fetchRecord(sync: ActorSync, pds: string, { did, collection, rkey }: Target): Promise<Uint8Array | undefined> {
	const response = await outboundFetch(sync.allowLoopbackFetch)(xrpcUrl(pds, ComAtprotoSyncGetRecord.mainSchema.nsid, { did, collection, rkey }));
	if (response.status === 400 && (await xrpcError(response)) === 'RecordNotFound') return undefined;
	if (!response.ok) throw new Error(`getRecord on ${pds} answered ${response.status}`);
	return new Uint8Array(await response.arrayBuffer());
}

async function latestRev(sync: ActorSync, pds: string, did: Did): Promise<string> {
	const response = await outboundFetch(sync.allowLoopbackFetch)(xrpcUrl(pds, ComAtprotoSyncGetLatestCommit.mainSchema.nsid, { did }));
	if (!response.ok) throw new Error(`getLatestCommit on ${pds} answered ${response.status}`);
	const { rev } = await response.json<{ rev?: unknown }>();
	if (typeof rev !== 'string' || !isTid(rev)) throw new Error(`getLatestCommit on ${pds} named no revision`);
	return rev;
}

/** Checks a proof like a firehose commit and applies what it proves: the record, or its absence. */
async function applyProof(sync: ActorSync, { uri, did, collection, rkey }: Target, key: FoundPublicKey, carBytes: Uint8Array): Promise<void> {
	const rev = commitRev(carBytes);
	const proven = await verifyRecord({ did: did as AtprotoDid, collection, rkey, publicKey: await publicKeyOf(key), carBytes }).then(
		// JSON's round trip turns the decoder's CID-link and bytes wrappers into the JSON form streams carry.
		(verified): RecordOp => ({ action: 'update', uri, collection, rkey, cid: verified.cid, record: JSON.parse(JSON.stringify(verified.record)) }),
		async (error: unknown): Promise<RecordOp> => {
			// A PDS answers for a record it does not hold with a signed proof of its absence: checked, it is
			// the deletion it proves (a revocation the index may only have held back, see apply.ts).
			const deleted: RecordOp = { action: 'delete', uri, collection, rkey };
			if ((await commitFailure({ kind: 'commit', cursor: 0, did, rev, ops: [deleted], proof: { commit: rootOf(carBytes), blocks: carBytes } }, key)) === undefined) return deleted;
			throw error;
		},
	);
	await sync.apply([{ kind: 'commit', cursor: 0, did, rev, ops: [proven] }]);
}

async function proveAccount(sync: ActorSync, did: string): Promise<void> {
	const pds = getPdsEndpoint(await sync.identity.dids.resolve(did as Did));
	if (!pds) throw new Error(`${did} names no PDS`);
	const response = await outboundFetch(sync.allowLoopbackFetch)(xrpcUrl(pds, ComAtprotoSyncGetRepoStatus.mainSchema.nsid, { did }));
	if (!response.ok && response.status !== 400) throw new Error(`getRepoStatus on ${pds} answered ${response.status}`);
	const answer = await response.json<{ active?: unknown; status?: unknown }>();
	const active = response.ok && answer.active === true;
	const status = active ? undefined : typeof answer.status === 'string' ? answer.status : 'unknown';
	await sync.apply([{ kind: 'account', cursor: 0, did, active, ...(status ? { status } : {}) }], { statusFromPds: true });
}

function xrpcUrl(pds: string, nsid: string, params: Record<string, string>): URL {
	const url = new URL(`/xrpc/${nsid}`, pds);
	url.search = new URLSearchParams(params).toString();
	return url;
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
