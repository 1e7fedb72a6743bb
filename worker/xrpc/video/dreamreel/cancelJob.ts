import { json } from '@atcute/xrpc-server';
import { JOB_ID } from '../../../jobs/job.ts';
import { VideoDreamreelCancelJob } from '../../../lexicons/index.ts';
import { NotFoundError } from '../../../errors.ts';
import type { Method } from '../../method.ts';

/** Cancelling a job that already ended is not an error: the answer shows how it ended. */
export const cancelJob: Method = (router, app) =>
	router.addProcedure(VideoDreamreelCancelJob, {
		async handler({ input, request }) {
			const requester = await app.auth.requireViewer(request, VideoDreamreelCancelJob.mainSchema.nsid);
			const job = JOB_ID.test(input.id) ? await app.jobs().job(input.id).cancel(requester) : null;
			if (!job) throw new NotFoundError('JobNotFound', `you have no job ${input.id}`);
			return json({ job });
		},
	});
