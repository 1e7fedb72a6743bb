import { NotFoundError } from '../../../errors.ts';
import { VideoDreamreelExportLikeness } from '../../../lexicons/index.ts';
import { requireLikenesses } from '../../../likeness/view.ts';
import type { Method } from '../../method.ts';

export const exportLikeness: Method = (router, app) =>
	router.addQuery(VideoDreamreelExportLikeness, {
		async handler({ request, params }) {
			const did = await app.auth.requireViewer(request, VideoDreamreelExportLikeness.mainSchema.nsid);
			const stored = await (await requireLikenesses(app.jobs())).store.read(did, params.index);
			if (!stored) throw new NotFoundError('LikenessNotFound', `you have no stored likeness image ${params.index}`);
			return new Response(stored.bytes, {
				headers: {
					'content-type': stored.image.mimeType,
					'cache-control': 'no-store',
					'content-disposition': `attachment; filename="likeness-${params.index}"`,
				},
			});
		},
	});
