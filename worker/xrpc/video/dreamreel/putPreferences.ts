import { VideoDreamreelPutPreferences } from '../../../lexicons/index.ts';
import type { Method } from '../../method.ts';

export const putPreferences: Method = (router, app) =>
	router.addProcedure(VideoDreamreelPutPreferences, {
		async handler({ input, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelPutPreferences.mainSchema.nsid);
			await app.db
				.prepare('INSERT OR REPLACE INTO preferences (did, adult_content, updated_at) VALUES (?1, ?2, ?3)')
				.bind(viewer, input.adultContent ? 1 : 0, new Date().toISOString())
				.run();
		},
	});
