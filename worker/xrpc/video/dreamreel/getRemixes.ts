import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetRemixes } from '../../../lexicons/index.ts';
import { clipsByUri, remixesOf } from '../../../views/clip-rows.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { decodeCursor, nextCursor } from '../../../views/cursor.ts';
import { NotFoundError } from '../../../errors.ts';
import type { Method } from '../../method.ts';

export const getRemixes: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetRemixes, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetRemixes.mainSchema.nsid);
			const [clip] = await clipsByUri(app.db, [params.uri], viewer);
			if (!clip) throw new NotFoundError('ClipNotFound', `no clip at ${params.uri}`);
			const limit = params.limit ?? 30;
			const rows = await remixesOf(app.db, params.uri, limit, decodeCursor(params.cursor), viewer);
			return json({ clips: await clipViews(app.db, rows, viewer), cursor: nextCursor(rows, limit) });
		},
	});
