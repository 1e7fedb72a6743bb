// The committed sample videos (worker/providers/demo-clips/*.mp4): tiny vertical H.264 MP4s that the seed and the
// tests upload as real blobs. See worker/providers/demo-clips/README.md for how they were made.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const SAMPLE_VIDEO_NAMES = ['testcard', 'mandelbrot', 'life', 'gradients'] as const;
export type SampleVideoName = (typeof SAMPLE_VIDEO_NAMES)[number];

/** What every sample shares: 360x640 (9:16), 3 s, 24 fps, no audio. */
export const SAMPLE_VIDEO = { mimeType: 'video/mp4', width: 360, height: 640, durationMs: 3000 } as const;

export function sampleVideoPath(name: SampleVideoName): string {
	return fileURLToPath(new URL(`../worker/providers/demo-clips/${name}.mp4`, import.meta.url));
}

export async function readSampleVideo(name: SampleVideoName): Promise<Uint8Array> {
	return new Uint8Array(await readFile(sampleVideoPath(name)));
}
