import { InvalidRequestError, json } from '@atcute/xrpc-server';
import { normalizeTag } from '../../../facets.ts';
import { VideoDreamreelSearchClips } from '../../../lexicons/index.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { decodeSearchCursor, encodeSearchCursor, matchQuery, searchClips as search, type SearchSort } from '../../../views/search.ts';
import type { Method } from '../../method.ts';

/** Clips by text (caption, prompt, tags) and/or tag, newest or most liked first, as the feeds show them. */
export const searchClips: Method = (router, app) =>
	router.addQuery(VideoDreamreelSearchClips, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelSearchClips.mainSchema.nsid);
			const tag = params.tag === undefined ? undefined : normalizeTag(params.tag.replace(/^#/, ''));
			if (params.q === undefined && !tag) throw new InvalidRequestError({ message: 'q or tag is required' });
			const match = params.q === undefined ? undefined : matchQuery(params.q);
			// Text without a single word matches nothing (rather than everything).
			if (params.q !== undefined && match === undefined) return json({ clips: [] });
			const sort: SearchSort = params.sort === 'top' ? 'top' : 'latest';
			const limit = params.limit ?? 25;
			const rows = await search(app.db, { match, tag, sort, limit, viewer, after: decodeSearchCursor(sort, params.cursor) });
			const last = rows.at(-1);
			return json({
				clips: await clipViews(app.db, rows, viewer),
				cursor: rows.length === limit && last ? encodeSearchCursor(sort, last) : undefined,
			});
		},
	});
