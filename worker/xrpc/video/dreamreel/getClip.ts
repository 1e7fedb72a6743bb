import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetClip } from '../../../lexicons/index.ts';
import { clipsByUri } from '../../../views/clip-rows.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { NotFoundError } from '../../../errors.ts';
import { retryFailedCopy } from '../../../mirror/retry-on-play.ts';
import type { Method } from '../../method.ts';

export const getClip: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetClip, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetClip.mainSchema.nsid);
			const [row] = await clipsByUri(app.db, [params.uri], viewer);
			if (!row) throw new NotFoundError('ClipNotFound', `no clip at ${params.uri}`);
			await retryFailedCopy(app, row);
			return json({ clip: (await clipViews(app.db, [row], viewer))[0]! });
		},
	});
