import type { AppContext } from '../context.ts';
import { IsolateCache } from '../isolate-cache.ts';
import type { ClipRow } from '../views/clip-rows.ts';

/** A clip opened for playing asks again for a copy that failed, at most this often per isolate. */
const RETRY_INTERVAL_MS = 10 * 60_000;
const asked = new IsolateCache<true>(RETRY_INTERVAL_MS, 5000);

/**
 * Someone wants to play a clip whose hosted copy failed (it plays from the author's PDS meanwhile):
 * the mirror tries the copy again now rather than on its slow schedule. Bounded per isolate, so that
 * opening a clip again and again cannot drive the mirror.
 */
export async function retryFailedCopy(app: Pick<AppContext, 'mirror'>, row: Pick<ClipRow, 'video_cid' | 'video_state'>): Promise<void> {
	if (row.video_state !== 'failed' || asked.get(row.video_cid)) return;
	asked.set(row.video_cid, true);
	await app.mirror().enqueue([row.video_cid], { retry: true });
}
