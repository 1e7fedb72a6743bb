import type { ClipView } from '../lib/types.ts';

type HlsModule = typeof import('hls.js/light');
let hlsModule: Promise<HlsModule> | undefined;

/**
 * Points a <video> at a clip: HLS where the clip has it — through hls.js (loaded on first need, so
 * MP4-only deployments never download it) wherever Media Source Extensions exist, natively where
 * they do not (older iOS) — and MP4 otherwise. Returns the detach function, or undefined when the
 * clip has nothing playable yet.
 */
export async function attachSource(video: HTMLVideoElement, playback: ClipView['playback']): Promise<(() => void) | undefined> {
	if (playback.hls) {
		if ('MediaSource' in window || 'ManagedMediaSource' in window) {
			const { default: Hls } = await (hlsModule ??= import('hls.js/light'));
			if (Hls.isSupported()) {
				// Short clips: a small forward buffer keeps preloading the next one cheap.
				const hls = new Hls({ maxBufferLength: 12, capLevelToPlayerSize: true });
				hls.loadSource(playback.hls);
				hls.attachMedia(video);
				return () => {
					hls.destroy();
					unload(video);
				};
			}
		}
		if (video.canPlayType('application/vnd.apple.mpegurl')) {
			video.src = playback.hls;
			return () => unload(video);
		}
	}
	if (playback.mp4) {
		video.src = playback.mp4;
		return () => unload(video);
	}
	return undefined;
}

/** Drops the source so the decoder and buffers are freed (a feed may hold hundreds of slides). */
function unload(video: HTMLVideoElement): void {
	video.pause();
	video.removeAttribute('src');
	video.load();
}

/** Why a clip cannot play, in words, when it cannot. */
export function unplayableReason(playback: ClipView['playback']): string | undefined {
	if (playback.hls || playback.mp4) return undefined;
	if (playback.state === 'failed') return `This video could not be prepared: ${playback.reason ?? 'unknown error'}`;
	if (playback.state === 'restricted') return playback.reason ?? 'This video is not available here.';
	return playback.reason ? `Preparing the video: ${playback.reason}` : 'Preparing the video…';
}
