import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetPreferences } from '../../../lexicons/index.ts';
import type { Method } from '../../method.ts';

export const getPreferences: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetPreferences, {
		async handler({ request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelGetPreferences.mainSchema.nsid);
			const row = await app.db.prepare('SELECT adult_content FROM preferences WHERE did = ?1').bind(viewer).first<{ adult_content: number }>();
			return json({ adultContent: row?.adult_content === 1 });
		},
	});
