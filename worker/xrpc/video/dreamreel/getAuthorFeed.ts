import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetAuthorFeed } from '../../../lexicons/index.ts';
import { resolveIndexedActor } from '../../../views/actors.ts';
import { clipsByAuthor, type AuthorFilter } from '../../../views/clip-rows.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { decodeCursor, nextCursor } from '../../../views/cursor.ts';
import type { Method } from '../../method.ts';

export const getAuthorFeed: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetAuthorFeed, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetAuthorFeed.mainSchema.nsid);
			const did = await resolveIndexedActor(app.db, app.identity.actors, params.actor);
			const limit = params.limit ?? 30;
			const filter = (['clips', 'remixes'].includes(params.filter ?? '') ? params.filter : 'all') as AuthorFilter;
			const rows = await clipsByAuthor(app.db, did, filter, limit, decodeCursor(params.cursor), viewer);
			return json({ clips: await clipViews(app.db, rows, viewer), cursor: nextCursor(rows, limit) });
		},
	});
