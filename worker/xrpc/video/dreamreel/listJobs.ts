import { InvalidRequestError, json } from '@atcute/xrpc-server';
import type { Draft } from '../../../../durable-objects/GenerationQuota.ts';
import { VideoDreamreelListJobs } from '../../../lexicons/index.ts';
import type { Method } from '../../method.ts';

/**
 * The requester's drafts, newest first: the ids kept by their own quota object (so nobody else's
 * can appear), each read from its job object, which answers only to its requester.
 */
export const listJobs: Method = (router, app) =>
	router.addQuery(VideoDreamreelListJobs, {
		async handler({ params, request }) {
			const requester = await app.auth.requireViewer(request, VideoDreamreelListJobs.mainSchema.nsid);
			const runtime = app.jobs();
			const limit = params.limit ?? 20;
			const drafts = await runtime.quota(requester).drafts(runtime.now(), runtime.config.retentionMs, limit, cursorOf(params.cursor));
			const views = await Promise.all(drafts.map((draft) => runtime.job(draft.id).view(requester)));
			const last = drafts.at(-1);
			return json({
				jobs: views.filter((view) => view !== null),
				...(drafts.length === limit && last ? { cursor: `${last.createdAt}::${last.id}` } : {}),
			});
		},
	});

function cursorOf(cursor: string | undefined): Draft | undefined {
	if (cursor === undefined) return undefined;
	const [time = '', id = ''] = cursor.split('::');
	const createdAt = Number(time);
	if (!Number.isSafeInteger(createdAt) || !/^[0-9a-f]{1,64}$/.test(id)) throw new InvalidRequestError({ message: 'invalid cursor' });
	return { id, createdAt };
}
