import { json } from '@atcute/xrpc-server';
import { VideoDreamreelListNotifications } from '../../../lexicons/index.ts';
import { decodeNotificationCursor, notificationPage, seenAt, type NotificationRow } from '../../../views/notifications.ts';
import { profileView } from '../../../views/profile-view.ts';
import type { Method } from '../../method.ts';

type Notification = VideoDreamreelListNotifications.Notification;

/** The requester's notifications, grouped (likes per clip), each read or not against their seen mark. */
export const listNotifications: Method = (router, app) =>
	router.addQuery(VideoDreamreelListNotifications, {
		async handler({ params, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelListNotifications.mainSchema.nsid);
			const limit = params.limit ?? 30;
			const [rows, seen] = await Promise.all([
				notificationPage(app.db, viewer, limit, decodeNotificationCursor(params.cursor)),
				seenAt(app.db, viewer),
			]);
			const notifications = groups(rows).map((group) => notification(group, seen));
			const last = rows.at(-1);
			return json({
				notifications,
				...(notifications.length === limit && last ? { cursor: String(last.head) } : {}),
				...(seen ? { seenAt: seen as Notification['indexedAt'] } : {}),
			});
		},
	});

/** Rows come newest group first, each group's rows together, its newest first. */
function groups(rows: NotificationRow[]): NotificationRow[][] {
	const byHead = new Map<number, NotificationRow[]>();
	for (const row of rows) byHead.set(row.head, [...(byHead.get(row.head) ?? []), row]);
	return [...byHead.values()];
}

function notification(group: NotificationRow[], seen: string | undefined): Notification {
	const newest = group[0]!;
	return {
		reason: newest.reason,
		...(newest.reason === 'jobFinished' ? {} : { uri: newest.uri as Notification['uri'] }),
		...(newest.subject ? { subject: newest.subject as Notification['uri'] } : {}),
		authors: group.map(profileView),
		authorCount: newest.author_count,
		...(newest.reason === 'featured'
			? { featured: newest.hidden_reason === null ? { state: 'shown' } : { state: 'hidden', reason: newest.hidden_reason } }
			: {}),
		...(newest.detail ? (JSON.parse(newest.detail) as Pick<Notification, 'expiresAt' | 'job'>) : {}),
		isRead: seen !== undefined && newest.indexed_at <= seen,
		indexedAt: newest.indexed_at as Notification['indexedAt'],
	};
}
