import type { Capabilities, GenerationRequest } from './provider.ts';

/** Where one request goes on fal and with what input: each model family names its fields its own way. */
export interface FalRoute {
	modelId: string;
	input: Record<string, unknown>;
}

export interface FalModel {
	capabilities: Capabilities;
	route(request: GenerationRequest): FalRoute;
}

/** fal model ids end in the mode; siblings share the rest (`…/text-to-video` ↔ `…/reference-to-video`). */
const MODE = /\/(text|reference|image)-to-video$/;

/**
 * The configured model id picks the family. Unknown families get the fields every listed fal video
 * model shares (prompt, duration, aspect_ratio) and no remix.
 */
export function falModel(modelId: string): FalModel {
	const root = modelId.replace(MODE, '');
	if (modelId.startsWith('bytedance/seedance')) return seedance(root);
	if (modelId.includes('/kling-video/')) return kling(root);
	return {
		capabilities: { sourceVideo: false, sourceImage: false, references: 0 },
		route: (request) => ({ modelId, input: { ...common(request, request.durationSeconds), seed: request.seed } }),
	};
}

/**
 * Seedance 2.0: text-to-video, or reference-to-video for a remix or cameos (reference videos and
 * images: the source still first, then each featured person's likeness; at most 9 images).
 * `video_urls` is the likely name for reference videos (unconfirmed; `image_urls` is documented).
 * Duration 4–15 s, sent as a string as integrators do.
 */
function seedance(root: string): FalModel {
	return {
		capabilities: { sourceVideo: true, sourceImage: true, references: 9 },
		route(request) {
			const input = { ...common(request, String(clamp(request.durationSeconds, 4, 15))), seed: request.seed };
			const images = [...(request.sourceImageUrl ? [request.sourceImageUrl] : []), ...(request.referenceImageUrls ?? [])];
			if (!request.sourceVideoUrl && images.length === 0) return { modelId: `${root}/text-to-video`, input };
			return {
				modelId: `${root}/reference-to-video`,
				input: {
					...input,
					video_urls: request.sourceVideoUrl ? [request.sourceVideoUrl] : undefined,
					image_urls: images.length > 0 ? images : undefined,
				},
			};
		},
	};
}

/**
 * Kling: text-to-video, or image-to-video from a first frame; it takes no video, so no remix of clips.
 * Its "elements" (reference subjects) are not in our contract notes, so no likenesses either.
 */
function kling(root: string): FalModel {
	return {
		capabilities: { sourceVideo: false, sourceImage: true, references: 0 },
		route(request) {
			const duration = String(clamp(request.durationSeconds, 3, 15));
			if (!request.sourceImageUrl) return { modelId: `${root}/text-to-video`, input: common(request, duration) };
			// The first frame fixes the framing, so no aspect_ratio here.
			return {
				modelId: `${root}/image-to-video`,
				input: { prompt: request.prompt, duration, start_image_url: request.sourceImageUrl },
			};
		},
	};
}

function common(request: GenerationRequest, duration: string | number): Record<string, unknown> {
	return { prompt: request.prompt, duration, aspect_ratio: request.aspectRatio };
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, Math.round(value)));
}
