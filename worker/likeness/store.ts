import { rawCid } from './cid.ts';

export const MAX_LIKENESS_BYTES = 2_000_000;

/** The image types a reference may be, each with the bytes its files start with. */
const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
	'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
	'image/png': (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((byte, i) => b[i] === byte),
	'image/webp': (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
};

/** A stored reference, as its owner sees it. */
export interface Likeness {
	cid: string;
	mimeType: string;
	size: number;
	createdAt: string;
	/** Whether a consent record of its owner has named it. */
	committed: boolean;
}

interface LikenessRow {
	cid: string;
	mime_type: string;
	size: number;
	created_at: string;
	committed: number;
}

/** IV length for AES-GCM. */
const IV_BYTES = 12;

export const likenessObjectKey = (did: string) => `likeness/${did}`;

/** Whether `bytes` are an image of `mimeType` we keep (by their first bytes, not by what the client said). */
export function isLikenessImage(mimeType: string, bytes: Uint8Array): boolean {
	return Object.hasOwn(SIGNATURES, mimeType) && SIGNATURES[mimeType]!(bytes);
}

/**
 * One reference per person: the bytes in R2, encrypted with AES-GCM under the deployment's key and
 * bound to the person (the DID is the additional data, so one person's object cannot be passed off as
 * another's), and its description in D1, where consent is checked against it.
 */
export class LikenessStore {
	readonly #bucket: R2Bucket;
	readonly #db: D1Database;
	readonly #key: CryptoKey;

	constructor(bucket: R2Bucket, db: D1Database, key: CryptoKey) {
		this.#bucket = bucket;
		this.#db = db;
		this.#key = key;
	}

	/** Replaces the person's reference; the new one is uncommitted until their consent names it. */
	async put(did: string, bytes: Uint8Array<ArrayBuffer>, mimeType: string, now: Date): Promise<Likeness> {
		const cid = await rawCid(bytes);
		const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
		const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(did) }, this.#key, bytes);
		await this.#bucket.put(likenessObjectKey(did), concat(iv, new Uint8Array(sealed)), { customMetadata: { cid } });
		const createdAt = now.toISOString();
		await this.#db
			.prepare(
				`INSERT OR REPLACE INTO likenesses (did, cid, mime_type, size, created_at, committed)
				 VALUES (?1, ?2, ?3, ?4, ?5, EXISTS (SELECT 1 FROM consents WHERE did = ?1 AND record ->> '$.likeness.cid' = ?2))`,
			)
			.bind(did, cid, mimeType, bytes.byteLength, createdAt)
			.run();
		return (await this.describe(did))!;
	}

	async describe(did: string): Promise<Likeness | undefined> {
		const row = await this.#db.prepare('SELECT cid, mime_type, size, created_at, committed FROM likenesses WHERE did = ?1').bind(did).first<LikenessRow>();
		return row ? { cid: row.cid, mimeType: row.mime_type, size: row.size, createdAt: row.created_at, committed: row.committed === 1 } : undefined;
	}

	/** The person's reference, decrypted and checked against its CID; undefined when none (or it fails the check). */
	async read(did: string): Promise<{ likeness: Likeness; bytes: Uint8Array<ArrayBuffer> } | undefined> {
		const likeness = await this.describe(did);
		const object = likeness && (await this.#bucket.get(likenessObjectKey(did)));
		if (!likeness || !object) return undefined;
		const sealed = new Uint8Array(await object.arrayBuffer());
		let bytes: Uint8Array<ArrayBuffer>;
		try {
			const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.subarray(0, IV_BYTES), additionalData: aad(did) }, this.#key, sealed.subarray(IV_BYTES));
			bytes = new Uint8Array(plain);
		} catch {
			console.warn('a stored likeness does not decrypt', did);
			return undefined;
		}
		// A row and an object from two different uploads (a crash between the writes) serve nothing.
		return (await rawCid(bytes)) === likeness.cid ? { likeness, bytes } : undefined;
	}

	/** The bytes first: a failure leaves the row, so the deletion is retried rather than forgotten. */
	async delete(did: string): Promise<void> {
		await this.#bucket.delete(likenessObjectKey(did));
		await this.#db.prepare('DELETE FROM likenesses WHERE did = ?1').bind(did).run();
	}
}

function aad(did: string): Uint8Array {
	return new TextEncoder().encode(`dreamreel likeness\n${did}`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	const out = new Uint8Array(a.byteLength + b.byteLength);
	out.set(a);
	out.set(b, a.byteLength);
	return out;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
	return String.fromCharCode(...bytes.subarray(start, end));
}
