import { InvalidRequestError, json } from '@atcute/xrpc-server';
import { forYouPage } from '../../../feeds/for-you.ts';
import { ensureKnownViewer } from '../../../feeds/viewer.ts';
import { VideoDreamreelGetForYou } from '../../../lexicons/index.ts';
import { clipViews } from '../../../views/clip-view.ts';
import type { Method } from '../../method.ts';

export const getForYou: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetForYou, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetForYou.mainSchema.nsid);
			if (viewer) await ensureKnownViewer(app, viewer);
			const offset = params.cursor === undefined ? 0 : Number(params.cursor);
			if (!Number.isInteger(offset) || offset < 0) throw new InvalidRequestError({ message: 'invalid cursor' });
			const { items, nextOffset } = await forYouPage(app.db, viewer, params.limit ?? 30, offset);
			const views = await clipViews(app.db, items.map((item) => item.row), viewer);
			return json({
				clips: views.map((view, i) => ({ ...view, feedContext: items[i]!.reason })),
				...(nextOffset !== undefined ? { cursor: String(nextOffset) } : {}),
			});
		},
	});
