import { XRPCError } from '../errors.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import type { LikenessKit } from './kit.ts';
import type { Likeness } from './store.ts';
import type { VideoDreamreelGetLikeness } from '../lexicons/index.ts';

export type LikenessView = VideoDreamreelGetLikeness.LikenessView;

/** The likeness store, or the answer of a deployment that keeps none. */
export async function requireLikenesses(runtime: JobRuntime): Promise<LikenessKit> {
	const kit = await runtime.likeness();
	if (!kit) throw new XRPCError({ status: 501, error: 'LikenessUnavailable', message: 'this deployment keeps no likenesses (no LIKENESS_KEY)' });
	return kit;
}

export function likenessView(likeness: Likeness): LikenessView {
	return {
		$type: 'video.dreamreel.getLikeness#likenessView',
		cid: likeness.cid,
		images: likeness.images.map((image) => ({ $type: 'video.dreamreel.getLikeness#likenessImage', ...image })),
		createdAt: likeness.createdAt as LikenessView['createdAt'],
		committed: likeness.committed,
	};
}
