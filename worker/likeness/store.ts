import { rawCid, setCid } from './cid.ts';

/** Per image. */
export const MAX_LIKENESS_BYTES = 2_000_000;
/** Images per person (Seedance takes at most 9 references in all, shared among everyone featured). */
export const MAX_LIKENESS_IMAGES = 4;

/** The image types a reference may be, each with the bytes its files start with. */
const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
	'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
	'image/png': (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((byte, i) => b[i] === byte),
	'image/webp': (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
};

/** One image of a likeness. */
export interface LikenessImage {
	cid: string;
	mimeType: string;
	size: number;
}

/** A person's stored reference (a few photos), as its owner sees it. */
export interface Likeness {
	/** The set's CID (setCid): what a consent record commits to. */
	cid: string;
	images: LikenessImage[];
	createdAt: string;
	/** Whether a consent record of its owner has named it. */
	committed: boolean;
}

/** An image to store, its type already checked (isLikenessImage). */
export interface NewImage {
	bytes: Uint8Array<ArrayBuffer>;
	mimeType: string;
}

interface LikenessRow {
	cid: string;
	images: string;
	created_at: string;
	committed: number;
}

/** IV length for AES-GCM. */
const IV_BYTES = 12;

export const likenessObjectKey = (did: string, n: number) => `likeness/${did}/${n}`;
const allObjectKeys = (did: string) => Array.from({ length: MAX_LIKENESS_IMAGES }, (_, n) => likenessObjectKey(did, n));

/** Whether `bytes` are an image of `mimeType` we keep (by their first bytes, not by what the client said). */
export function isLikenessImage(mimeType: string, bytes: Uint8Array): boolean {
	return Object.hasOwn(SIGNATURES, mimeType) && SIGNATURES[mimeType]!(bytes);
}

/**
 * One reference per person, a set of images: each in R2, encrypted with AES-GCM under the
 * deployment's key and bound to the person and its place in the set (additional data, so no object
 * can be passed off as another person's or another image), and their description in D1, where
 * consent is checked against the set's CID.
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

	/** Replaces the person's whole set; the new one is uncommitted until their consent names it. */
	async put(did: string, images: NewImage[], now: Date): Promise<Likeness> {
		if (images.length < 1 || images.length > MAX_LIKENESS_IMAGES) throw new Error(`a likeness is 1 to ${MAX_LIKENESS_IMAGES} images`);
		const described = await Promise.all(
			images.map(async ({ bytes, mimeType }, n) => {
				const cid = await rawCid(bytes);
				const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
				const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(did, n) }, this.#key, bytes);
				await this.#bucket.put(likenessObjectKey(did, n), concat(iv, new Uint8Array(sealed)), { customMetadata: { cid } });
				return { cid, mimeType, size: bytes.byteLength };
			}),
		);
		// Images of a larger earlier set must not outlive it.
		await this.#bucket.delete(allObjectKeys(did).slice(images.length));
		const cid = await setCid(described.map((image) => image.cid));
		await this.#db
			.prepare(
				`INSERT OR REPLACE INTO likenesses (did, cid, images, created_at, committed)
				 VALUES (?1, ?2, ?3, ?4, EXISTS (SELECT 1 FROM consents WHERE did = ?1 AND record ->> '$.likeness.cid' = ?2))`,
			)
			.bind(did, cid, JSON.stringify(described), now.toISOString())
			.run();
		return (await this.describe(did))!;
	}

	async describe(did: string): Promise<Likeness | undefined> {
		const row = await this.#db.prepare('SELECT cid, images, created_at, committed FROM likenesses WHERE did = ?1').bind(did).first<LikenessRow>();
		return row ? { cid: row.cid, images: JSON.parse(row.images) as LikenessImage[], createdAt: row.created_at, committed: row.committed === 1 } : undefined;
	}

	/** Image `n` of the person's set, decrypted and checked against its CID; undefined when none (or it fails the check). */
	async read(did: string, n: number): Promise<{ likeness: Likeness; image: LikenessImage; bytes: Uint8Array<ArrayBuffer> } | undefined> {
		const likeness = await this.describe(did);
		const image = likeness?.images[n];
		const object = image && (await this.#bucket.get(likenessObjectKey(did, n)));
		if (!likeness || !image || !object) return undefined;
		const sealed = new Uint8Array(await object.arrayBuffer());
		let bytes: Uint8Array<ArrayBuffer>;
		try {
			const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.subarray(0, IV_BYTES), additionalData: aad(did, n) }, this.#key, sealed.subarray(IV_BYTES));
			bytes = new Uint8Array(plain);
		} catch {
			console.warn('a stored likeness image does not decrypt', did, n);
			return undefined;
		}
		// A row and an object from two different uploads (a crash between the writes) serve nothing.
		return (await rawCid(bytes)) === image.cid ? { likeness, image, bytes } : undefined;
	}

	/** The bytes first: a failure leaves the row, so the deletion is retried rather than forgotten. */
	async delete(did: string): Promise<void> {
		await this.#bucket.delete(allObjectKeys(did));
		await this.#db.prepare('DELETE FROM likenesses WHERE did = ?1').bind(did).run();
	}
}

function aad(did: string, n: number): Uint8Array {
	return new TextEncoder().encode(`dreamreel likeness\n${did}\n${n}`);
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
