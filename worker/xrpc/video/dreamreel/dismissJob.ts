import { json } from '@atcute/xrpc-server';
import { JOB_ID } from '../../../jobs/job.ts';
import { VideoDreamreelDismissJob } from '../../../lexicons/index.ts';
import { NotFoundError } from '../../../errors.ts';
import type { Method } from '../../method.ts';

/** A draft published or not wanted leaves the list; one still running is cancelled first (cancel is a no-op on an ended job). */
export const dismissJob: Method = (router, app) =>
	router.addProcedure(VideoDreamreelDismissJob, {
		async handler({ input, request }) {
			const requester = await app.auth.requireViewer(request, VideoDreamreelDismissJob.mainSchema.nsid);
			const runtime = app.jobs();
			const job = JOB_ID.test(input.id) ? await runtime.job(input.id).cancel(requester) : null;
			if (!job) throw new NotFoundError('JobNotFound', `you have no job ${input.id}`);
			await runtime.quota(requester).forgetJob(input.id);
			return json({ job });
		},
	});
