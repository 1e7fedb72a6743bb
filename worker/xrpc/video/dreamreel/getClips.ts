import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetClips } from '../../../lexicons/index.ts';
import { clipsByUri } from '../../../views/clip-rows.ts';
import { clipView } from '../../../views/clip-view.ts';
import type { Method } from '../../method.ts';

export const getClips: Method = (router, ctx) =>
	router.addQuery(VideoDreamreelGetClips, {
		async handler({ params }) {
			const rows = await clipsByUri(ctx.db, params.uris);
			return json({ clips: rows.map(clipView) });
		},
	});
