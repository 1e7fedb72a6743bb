import { NotFoundError } from '../../../errors.ts';
import { VideoDreamreelExportLikeness } from '../../../lexicons/index.ts';
import { requireLikenesses } from '../../../likeness/view.ts';
import type { Method } from '../../method.ts';

export const exportLikeness: Method = (router, app) =>
	router.addQuery(VideoDreamreelExportLikeness, {
		async handler({ request }) {
			const did = await app.auth.requireViewer(request, VideoDreamreelExportLikeness.mainSchema.nsid);
			const stored = await (await requireLikenesses(app.jobs())).store.read(did);
			if (!stored) throw new NotFoundError('LikenessNotFound', 'you have no stored likeness');
			return new Response(stored.bytes, {
				headers: { 'content-type': stored.likeness.mimeType, 'cache-control': 'no-store', 'content-disposition': 'attachment; filename="likeness"' },
			});
		},
	});
