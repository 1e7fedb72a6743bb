/**
 * Checks a repo firehose `#commit` as the sync protocol defines it, so that a stream can only pass
 * on what the repo's owner signed: every block hashes to its CID, the commit is the CAR's root and is
 * signed by the repo's current `#atproto` key, names the repo and revision the event claims, and the
 * signed tree holds each op's record (inclusion) or no longer holds it (exclusion).
 *
 * Inversion of the whole operation list against `prevData` (sync v1.1) would also prove no op was
 * left out; Dreamreel only needs what it applies to be authentic, which the proofs above establish.
 */
import { fromUint8Array } from '@atcute/car';
import { decode, encode, fromBytes } from '@atcute/cbor';
import * as CID from '@atcute/cid';
import { verifySig, type FoundPublicKey } from '@atcute/crypto';
import { MemoryBlockStore, MissingBlockError, NodeStore, NodeWalker } from '@atcute/mst';
import { isCommit } from '@atcute/repo';
import type { CommitEvent } from './events.ts';
import { verifySecp256k1 } from './secp256k1.ts';

/** Why a commit is not authentic; `undefined` when it is. */
export async function commitFailure(event: CommitEvent, key: FoundPublicKey): Promise<string | undefined> {
	if (!event.proof) return 'the commit carries no blocks to verify';
	try {
		const car = fromUint8Array(event.proof.blocks);
		if (car.header.data.roots[0]?.$link !== event.proof.commit) return 'the CAR root is not the commit';
		const blocks: Map<string, Uint8Array<ArrayBuffer>> = new Map();
		for (const entry of car) {
			const cid = CID.toString(entry.cid);
			const actual = CID.toString(await CID.create(entry.cid.codec as 0x55 | 0x71, entry.bytes));
			if (actual !== cid) return `block ${cid} does not hash to its CID`;
			blocks.set(cid, entry.bytes as Uint8Array<ArrayBuffer>);
		}
		const commitBytes = blocks.get(event.proof.commit);
		if (!commitBytes) return 'the commit block is missing';
		const commit: unknown = decode(commitBytes);
		if (!isCommit(commit)) return 'the commit block is not a v3 commit';
		if (commit.did !== event.did) return `the commit is for ${commit.did}, not ${event.did}`;
		if (commit.rev !== event.rev) return `the commit is at revision ${commit.rev}, not ${event.rev}`;
		const { sig, ...unsigned } = commit;
		if (!(await signedBy(key, fromBytes(sig) as Uint8Array<ArrayBuffer>, encode(unsigned)))) return 'bad commit signature';
		return await opsFailure(event, new NodeStore(new MemoryBlockStore(blocks)), commit.data.$link);
	} catch (error) {
		if (error instanceof MissingBlockError) return `the tree proof is incomplete (missing ${error.cid})`;
		return `malformed commit: ${error instanceof Error ? error.message : String(error)}`;
	}
}

/** P-256 through WebCrypto (`@atcute/crypto`), secp256k1 in WebAssembly (./secp256k1.ts). */
function signedBy(key: FoundPublicKey, sig: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<boolean> {
	return key.type === 'secp256k1' ? verifySecp256k1(key.publicKeyBytes, sig, data) : verifySig(key, sig, data);
}

/** Each op proven by the signed tree: its record at its path, or (deleted) nothing there. */
async function opsFailure(event: CommitEvent, store: NodeStore, root: string): Promise<string | undefined> {
	for (const op of event.ops) {
		const path = `${op.collection}/${op.rkey}`;
		const walker = await NodeWalker.create(store, root);
		const found = (await walker.findRpath(path))?.$link ?? null;
		const expected = op.action === 'delete' ? null : op.cid;
		if (found !== expected) return `the signed tree holds ${found ?? 'nothing'} at ${path}, not ${expected ?? 'nothing'}`;
	}
	return undefined;
}
