import { json } from '@atcute/xrpc-server';
import { submitJob } from '../../../jobs/submit.ts';
import { VideoDreamreelGenerate } from '../../../lexicons/index.ts';
import type { Method } from '../../method.ts';

export const generate: Method = (router, app) =>
	router.addProcedure(VideoDreamreelGenerate, {
		async handler({ input, request }) {
			const requester = await app.auth.requireViewer(request, VideoDreamreelGenerate.mainSchema.nsid);
			return json({ job: await submitJob(app.jobs(), requester, input) });
		},
	});
