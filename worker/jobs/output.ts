import type { JobOutput } from './job.ts';
import { probeMp4, reduceRatio } from './mp4-info.ts';
import { JobError } from './retry.ts';

/** The clip lexicon's maxSize: a larger video could not be published as a blob anyway. */
export const MAX_VIDEO_BYTES = 100_000_000;
const MIME_TYPE = 'video/mp4';

/**
 * Copies the provider's output into R2 at once (Replicate deletes outputs within the hour). A known
 * length streams through; an unknown one is read into memory, bounded by the blob limit.
 */
export async function storeOutput(bucket: R2Bucket, key: string, response: Response, job: string): Promise<JobOutput> {
	if (!response.body) throw new JobError('the provider sent no video bytes', true);
	const options = { httpMetadata: { contentType: MIME_TYPE }, customMetadata: { job } };
	const declared = response.headers.get('content-length');
	const length = declared === null ? NaN : Number(declared);
	let stored: R2Object;
	if (Number.isSafeInteger(length) && length > 0) {
		if (length > MAX_VIDEO_BYTES) {
			await response.body.cancel();
			throw new JobError(`the video is ${length} bytes; clips may have at most ${MAX_VIDEO_BYTES}`, false);
		}
		// R2 needs the length up front; FixedLengthStream also errors on a short or long body.
		const fixed = new FixedLengthStream(length);
		const [, object] = await Promise.all([response.body.pipeTo(fixed.writable), bucket.put(key, fixed.readable, options)]);
		stored = object;
	} else {
		stored = await bucket.put(key, await readBounded(response.body), options);
	}
	return { key, size: stored.size, mimeType: MIME_TYPE };
}

/** Adds what the MP4 says about itself; a file we cannot read keeps what the job asked for. */
export async function describeOutput(bucket: R2Bucket, output: JobOutput): Promise<JobOutput> {
	const info = await probeMp4(output.size, async (offset, length) => {
		const object = await bucket.get(output.key, { range: { offset, length } });
		if (!object) throw new JobError(`the stored video ${output.key} is gone`, false);
		return new Uint8Array(await object.arrayBuffer());
	});
	return {
		...output,
		...(info?.durationMs ? { durationMs: info.durationMs } : {}),
		...(info?.width && info.height ? { aspectRatio: reduceRatio(info.width, info.height) } : {}),
	};
}

async function readBounded(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
	const chunks: Uint8Array[] = [];
	let total = 0;
	for await (const chunk of body) {
		total += chunk.byteLength;
		if (total > MAX_VIDEO_BYTES) throw new JobError(`the video is over ${MAX_VIDEO_BYTES} bytes`, false);
		chunks.push(chunk);
	}
	if (total === 0) throw new JobError('the provider sent an empty video', true);
	const out = new Uint8Array(total);
	let at = 0;
	for (const chunk of chunks) {
		out.set(chunk, at);
		at += chunk.byteLength;
	}
	return out;
}
