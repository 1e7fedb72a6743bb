import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetLineage } from '../../../lexicons/index.ts';
import { clipsByUri, clipsWithRoot } from '../../../views/clip-rows.ts';
import { clipViews } from '../../../views/clip-view.ts';
import { ancestorsOf, descendantsOf } from '../../../views/lineage.ts';
import { NotFoundError } from '../../../errors.ts';
import type { Method } from '../../method.ts';

/** A remix family larger than this is shown in part. */
const MAX_FAMILY = 2000;

export const getLineage: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetLineage, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetLineage.mainSchema.nsid);
			const [clip] = await clipsByUri(app.db, [params.uri], viewer);
			if (!clip) throw new NotFoundError('ClipNotFound', `no clip at ${params.uri}`);
			// Every clip of a remix chain names the same root, so one query brings the whole family.
			const rootUri = clip.root_uri ?? clip.uri;
			const [root] = rootUri === clip.uri ? [clip] : await clipsByUri(app.db, [rootUri], viewer);
			const family = [...(root ? [root] : []), ...(await clipsWithRoot(app.db, rootUri, MAX_FAMILY, viewer))];
			return json({
				// Only the clip itself is personalised (its like, whether the viewer may remix it).
				clip: (await clipViews(app.db, [clip], viewer))[0]!,
				ancestors: ancestorsOf(clip, new Map(family.map((row) => [row.uri, row]))),
				descendants: descendantsOf(clip.uri, family, params.depth ?? 6),
			});
		},
	});
