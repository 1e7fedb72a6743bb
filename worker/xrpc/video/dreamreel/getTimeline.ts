import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetTimeline } from '../../../lexicons/index.ts';
import { followedClips } from '../../../views/clip-rows.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { decodeCursor, nextCursor } from '../../../views/cursor.ts';
import type { Method } from '../../method.ts';

export const getTimeline: Method = (router, ctx) =>
	router.addQuery(VideoDreamreelGetTimeline, {
		async handler({ params, request }) {
			const viewer = await ctx.auth.requireViewer(request, 'video.dreamreel.getTimeline');
			const limit = params.limit ?? 30;
			const rows = await followedClips(ctx.db, viewer, limit, decodeCursor(params.cursor));
			return json({ clips: await clipViews(ctx.db, rows, viewer), cursor: nextCursor(rows, limit) });
		},
	});
