import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetUnreadCount } from '../../../lexicons/index.ts';
import { unreadCount } from '../../../views/notifications.ts';
import type { Method } from '../../method.ts';

/** What the bell shows: the requester's shown notifications newer than their seen mark. */
export const getUnreadCount: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetUnreadCount, {
		async handler({ request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelGetUnreadCount.mainSchema.nsid);
			return json({ count: await unreadCount(app.db, viewer) });
		},
	});
