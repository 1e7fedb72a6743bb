import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetLikeness } from '../../../lexicons/index.ts';
import { jobsInFlight } from '../../../likeness/jobs-view.ts';
import { likenessView, requireLikenesses } from '../../../likeness/view.ts';
import type { Method } from '../../method.ts';

export const getLikeness: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetLikeness, {
		async handler({ request }) {
			const did = await app.auth.requireViewer(request, VideoDreamreelGetLikeness.mainSchema.nsid);
			const runtime = app.jobs();
			const likeness = await (await requireLikenesses(runtime)).store.describe(did);
			return json({ ...(likeness ? { likeness: likenessView(likeness) } : {}), jobs: await jobsInFlight(runtime, did) });
		},
	});
