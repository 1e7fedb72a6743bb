import { json } from '@atcute/xrpc-server';
import { timelinePage } from '../../../feeds/timeline.ts';
import { ensureReader } from '../../../feeds/readers.ts';
import { ensureKnownViewer } from '../../../feeds/viewer.ts';
import { VideoDreamreelGetTimeline } from '../../../lexicons/index.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { decodeCursor, encodeCursor } from '../../../views/cursor.ts';
import type { Method } from '../../method.ts';

export const getTimeline: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetTimeline, {
		async handler({ params, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelGetTimeline.mainSchema.nsid);
			await ensureKnownViewer(app, viewer);
			await ensureReader(app, viewer);
			const { rows, last } = await timelinePage(app, viewer, params.limit ?? 30, decodeCursor(params.cursor));
			return json({ clips: await clipViews(app.db, rows, viewer), ...(last ? { cursor: encodeCursor(last) } : {}) });
		},
	});
