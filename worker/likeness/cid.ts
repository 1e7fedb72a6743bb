import { fromDigest, toString } from '@atcute/cid';

/** The raw-codec CID of bytes: what a PDS would name them as a blob, and what a consent record commits to. */
export async function rawCid(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
	return toString(fromDigest(0x55, new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))));
}
