import { json } from '@atcute/xrpc-server';
import { VideoDreamreelDeleteLikeness } from '../../../lexicons/index.ts';
import { recheckJobsFeaturing } from '../../../likeness/revocations.ts';
import { requireLikenesses } from '../../../likeness/view.ts';
import type { Method } from '../../method.ts';

export const deleteLikeness: Method = (router, app) =>
	router.addProcedure(VideoDreamreelDeleteLikeness, {
		async handler({ request }) {
			const did = await app.auth.requireViewer(request, VideoDreamreelDeleteLikeness.mainSchema.nsid);
			const runtime = app.jobs();
			await (await requireLikenesses(runtime)).store.delete(did);
			// Gone first, so every job re-checking finds it gone and fails (LikenessUnavailable) while running.
			const stoppedJobs = await recheckJobsFeaturing(app.db, runtime.job, [did], new Date(runtime.now()));
			return json({ stoppedJobs });
		},
	});
