import { fromDigest, toString } from '@atcute/cid';

/** The raw-codec CID a PDS gives this stored video when it is uploaded as a blob: what a clip record names. */
export async function videoCid(bucket: R2Bucket, key: string): Promise<string> {
	const object = await bucket.get(key);
	if (!object) throw new Error(`the stored video ${key} is gone`);
	const digest = new crypto.DigestStream('SHA-256');
	await object.body.pipeTo(digest);
	return toString(fromDigest(0x55, new Uint8Array(await digest.digest)));
}

/** Remembers that one of our jobs produced the video `cid`, with which provider and model. */
export async function recordGenerated(db: D1Database, cid: string, provider: string, model: string, now = new Date()): Promise<void> {
	await db
		.prepare('INSERT OR IGNORE INTO generated_videos (cid, provider, model, created_at) VALUES (?1, ?2, ?3, ?4)')
		.bind(cid, provider, model, now.toISOString())
		.run();
}
