import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetClips } from '../../../lexicons/index.ts';
import { clipsByUri } from '../../../views/clip-rows.ts';
import { clipViews } from '../../../views/clip-view.ts';
import type { Method } from '../../method.ts';

export const getClips: Method = (router, ctx) =>
	router.addQuery(VideoDreamreelGetClips, {
		async handler({ params, request }) {
			const viewer = await ctx.auth.optionalViewer(request, VideoDreamreelGetClips.mainSchema.nsid);
			const rows = await clipsByUri(ctx.db, params.uris);
			return json({ clips: await clipViews(ctx.db, rows, viewer) });
		},
	});
