import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetMutes } from '../../../lexicons/index.ts';
import { decodeCursor, nextCursor } from '../../../views/cursor.ts';
import { mutesOf } from '../../../views/mutes.ts';
import type { Method } from '../../method.ts';

export const getMutes: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetMutes, {
		async handler({ params, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelGetMutes.mainSchema.nsid);
			const limit = params.limit ?? 50;
			const { rows, mutes, words } = await mutesOf(app.db, viewer, limit, decodeCursor(params.cursor));
			return json({ mutes, words, cursor: nextCursor(rows, limit) });
		},
	});
