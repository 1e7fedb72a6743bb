import { json } from '@atcute/xrpc-server';
import { VideoDreamreelUpdateSeen } from '../../../lexicons/index.ts';
import { markSeen } from '../../../views/notifications.ts';
import type { Method } from '../../method.ts';

type Output = VideoDreamreelUpdateSeen.$output;

/** Marks the requester's notifications read up to seenAt. */
export const updateSeen: Method = (router, app) =>
	router.addProcedure(VideoDreamreelUpdateSeen, {
		async handler({ input, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelUpdateSeen.mainSchema.nsid);
			return json({ seenAt: (await markSeen(app.db, viewer, input.seenAt)) as Output['seenAt'] });
		},
	});
