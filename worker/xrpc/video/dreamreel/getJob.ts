import { json } from '@atcute/xrpc-server';
import { JOB_ID } from '../../../jobs/job.ts';
import { VideoDreamreelGetJob } from '../../../lexicons/index.ts';
import { NotFoundError } from '../../../errors.ts';
import type { Method } from '../../method.ts';

export const getJob: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetJob, {
		async handler({ params, request }) {
			const requester = await app.auth.requireViewer(request, VideoDreamreelGetJob.mainSchema.nsid);
			// A malformed id names no job; checking it first spares creating an empty object for it.
			const job = JOB_ID.test(params.id) ? await app.jobs().job(params.id).view(requester) : null;
			if (!job) throw new NotFoundError('JobNotFound', `you have no job ${params.id}`);
			return json({ job });
		},
	});
