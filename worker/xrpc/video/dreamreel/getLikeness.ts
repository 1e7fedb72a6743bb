import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetLikeness } from '../../../lexicons/index.ts';
import { jobsFeaturing } from '../../../likeness/revocations.ts';
import { likenessView, requireLikenesses } from '../../../likeness/view.ts';
import type { Method } from '../../method.ts';

type LikenessJob = VideoDreamreelGetLikeness.LikenessJob;
/** The lexicon's bound on `jobs`. */
const MAX_JOBS = 100;

export const getLikeness: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetLikeness, {
		async handler({ request }) {
			const did = await app.auth.requireViewer(request, VideoDreamreelGetLikeness.mainSchema.nsid);
			const runtime = app.jobs();
			const { store } = await requireLikenesses(runtime);
			const likeness = await store.describe(did);
			// Each listed job answers for itself: ended ones drop out.
			const ids = (await jobsFeaturing(app.db, [did], new Date(runtime.now()))).slice(0, MAX_JOBS);
			const jobs = (await Promise.all(ids.map((id) => runtime.job(id).featured(did)))).flatMap((job): LikenessJob[] =>
				job
					? [{ id: job.id, requester: job.requester as LikenessJob['requester'], status: job.status, createdAt: new Date(job.createdAt).toISOString() as LikenessJob['createdAt'] }]
					: [],
			);
			return json({ ...(likeness ? { likeness: likenessView(likeness) } : {}), jobs });
		},
	});
