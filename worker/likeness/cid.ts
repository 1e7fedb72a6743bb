import { encode, toCidLink } from '@atcute/cbor';
import { fromDigest, fromString, toString } from '@atcute/cid';

/** The raw-codec CID of bytes: what a PDS would name them as a blob (one image of a likeness). */
export async function rawCid(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
	return toString(fromDigest(0x55, await sha256(bytes)));
}

/**
 * What a consent record commits to: the DAG-CBOR CID of the list of the images' raw CIDs, in order
 * (as links). One CID covers the whole set, so the record's shape stays `{cid, createdAt}`, and anyone
 * holding the images can recompute it.
 */
export async function setCid(imageCids: string[]): Promise<string> {
	// A copy: the digest takes only bytes over a plain ArrayBuffer.
	const block = encode(imageCids.map((cid) => toCidLink(fromString(cid)))).slice();
	return toString(fromDigest(0x71, await sha256(block)));
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}
