import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetComments } from '../../../lexicons/index.ts';
import { clipsByUri } from '../../../views/clip-rows.ts';
import { commentPage } from '../../../views/comments.ts';
import { decodeCursor, nextCursor } from '../../../views/cursor.ts';
import { NotFoundError } from '../../../errors.ts';
import type { Method } from '../../method.ts';

export const getComments: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetComments, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetComments.mainSchema.nsid);
			const [clip] = await clipsByUri(app.db, [params.uri], viewer);
			if (!clip) throw new NotFoundError('ClipNotFound', `no clip at ${params.uri}`);
			const limit = params.limit ?? 30;
			const { rows, comments } = await commentPage(app.db, params.uri, limit, decodeCursor(params.cursor), viewer);
			return json({ comments, cursor: nextCursor(rows, limit) });
		},
	});
