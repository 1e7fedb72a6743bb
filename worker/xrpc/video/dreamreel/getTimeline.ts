import { json } from '@atcute/xrpc-server';
import { timelinePage } from '../../../feeds/timeline.ts';
import { ensureKnownViewer } from '../../../feeds/viewer.ts';
import { VideoDreamreelGetTimeline } from '../../../lexicons/index.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { decodeCursor, encodeCursor } from '../../../views/cursor.ts';
import type { Method } from '../../method.ts';

export const getTimeline: Method = (router, ctx) =>
	router.addQuery(VideoDreamreelGetTimeline, {
		async handler({ params, request }) {
			const viewer = await ctx.auth.requireViewer(request, VideoDreamreelGetTimeline.mainSchema.nsid);
			await ensureKnownViewer(ctx, viewer);
			const { rows, last } = await timelinePage(ctx, viewer, params.limit ?? 30, decodeCursor(params.cursor));
			return json({ clips: await clipViews(ctx.db, rows, viewer), ...(last ? { cursor: encodeCursor(last) } : {}) });
		},
	});
