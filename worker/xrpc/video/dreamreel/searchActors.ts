import { json } from '@atcute/xrpc-server';
import { VideoDreamreelSearchActors } from '../../../lexicons/index.ts';
import { profileView } from '../../../views/profile-view.ts';
import { matchQuery, searchActors as search } from '../../../views/search.ts';
import type { Method } from '../../method.ts';

/** Typeahead over accounts: handle prefix or display-name word prefixes. */
export const searchActors: Method = (router, app) =>
	router.addQuery(VideoDreamreelSearchActors, {
		async handler({ params }) {
			const rows = await search(app.db, params.q, matchQuery(params.q), params.limit ?? 10);
			return json({ actors: rows.map(profileView) });
		},
	});
