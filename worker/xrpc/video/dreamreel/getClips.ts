import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetClips } from '../../../lexicons/index.ts';
import { clipsByUri } from '../../../views/clip-rows.ts';
import { clipViews } from '../../../views/clip-view.ts';
import type { Method } from '../../method.ts';

export const getClips: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetClips, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetClips.mainSchema.nsid);
			const rows = await clipsByUri(app.db, params.uris, viewer);
			return json({ clips: await clipViews(app.db, rows, viewer) });
		},
	});
