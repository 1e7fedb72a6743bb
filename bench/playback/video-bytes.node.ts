// Distinct, valid MP4 files of any size for the benchmarks, made from the committed sample clips
// (worker/providers/demo-clips): the sample's boxes, then a top-level `free` box. ISO BMFF readers
// skip `free` boxes, so the file still plays as the sample, while its bytes (and so its blob CID)
// are its own and its size is what the benchmark asks for.
import { readSampleVideo, type SampleVideoName } from '../../scripts/sample-video.ts';

const BOX_HEADER = 8;

/**
 * The sample `base` followed by a `free` box that brings the file to `totalBytes` (at least the
 * sample plus a small box). The box holds `tag` and seeded noise, so different tags give different
 * bytes and incompressible padding, like real video data.
 */
export async function paddedMp4(base: SampleVideoName, tag: string, totalBytes = 0): Promise<Uint8Array> {
	const sample = await readSampleVideo(base);
	const tagBytes = new TextEncoder().encode(tag);
	const boxSize = Math.max(BOX_HEADER + tagBytes.length + 8, totalBytes - sample.length);
	const out = new Uint8Array(sample.length + boxSize);
	out.set(sample, 0);
	const view = new DataView(out.buffer);
	view.setUint32(sample.length, boxSize);
	out.set(new TextEncoder().encode('free'), sample.length + 4);
	out.set(tagBytes, sample.length + BOX_HEADER);
	// xorshift32 noise seeded by the tag.
	let state = 2166136261;
	for (const byte of tagBytes) state = Math.imul(state ^ byte, 16777619) >>> 0;
	state ||= 1;
	for (let at = sample.length + BOX_HEADER + tagBytes.length; at < out.length; at++) {
		state ^= state << 13;
		state >>>= 0;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		out[at] = state & 0xff;
	}
	return out;
}
