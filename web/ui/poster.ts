import { MAX_POSTER_BYTES, type Poster } from '../lib/publish.ts';

/** Posters are drawn at most this many pixels on their long edge: a phone screen's worth, well under 1 MB as JPEG. */
const LONG_EDGE = 720;

/**
 * The frame a `<video>` shows now, as a JPEG: the clip's poster. Undefined when no frame is decoded
 * yet or the encoder gives nothing usable (the clip then goes without one; the record allows it).
 */
export async function captureFrame(video: HTMLVideoElement): Promise<Poster | undefined> {
	if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth || !video.videoHeight) return undefined;
	const scale = Math.min(1, LONG_EDGE / Math.max(video.videoWidth, video.videoHeight));
	const canvas = document.createElement('canvas');
	canvas.width = Math.round(video.videoWidth * scale);
	canvas.height = Math.round(video.videoHeight * scale);
	canvas.getContext('2d')?.drawImage(video, 0, 0, canvas.width, canvas.height);
	const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
	if (!blob || blob.size > MAX_POSTER_BYTES) return undefined;
	return { bytes: new Uint8Array(await blob.arrayBuffer()), mimeType: 'image/jpeg' };
}

/** Seeks to `seconds` and resolves once that frame is shown. */
export function seekTo(video: HTMLVideoElement, seconds: number): Promise<void> {
	return new Promise((resolve) => {
		video.pause();
		if (Math.abs(video.currentTime - seconds) < 0.01 && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) return resolve();
		video.addEventListener('seeked', () => resolve(), { once: true });
		video.currentTime = seconds;
	});
}
