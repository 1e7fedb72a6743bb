import type { Api } from '../lib/api.ts';
import { href } from './context.ts';
import { h } from './dom.ts';
import { icon } from './icons.ts';

/** Told when the notifications screen has marked everything seen, so the count drops at once. */
export const seenEvents = new EventTarget();

/** How often the count is asked for while the page is visible. */
const POLL_MS = 10_000;

export interface Bell {
	el: HTMLAnchorElement;
	stop(): void;
}

/**
 * The nav's notifications link with the unread count, kept live while the page is open: asked for
 * on a timer while the tab is visible, at once when it becomes visible again, and after "seen".
 */
export function notificationBell(api: Api): Bell {
	const badge = h('span', { class: 'badge-count', hidden: true });
	const el = h('a', { href: href.notifications(), class: 'nav-item', 'aria-label': 'Notifications' }, icon('bell'), h('span', null, 'Alerts'), badge);
	let asking = false;
	async function refresh() {
		if (asking || document.hidden) return;
		asking = true;
		try {
			const count = await api.unreadCount();
			badge.textContent = count > 99 ? '99+' : String(count);
			badge.hidden = count === 0;
			el.setAttribute('aria-label', count ? `Notifications, ${count} unread` : 'Notifications');
		} catch {
			// A failed poll leaves the last count; the next one tries again.
		} finally {
			asking = false;
		}
	}
	const timer = setInterval(() => void refresh(), POLL_MS);
	const onVisible = () => void refresh();
	document.addEventListener('visibilitychange', onVisible);
	seenEvents.addEventListener('seen', onVisible);
	void refresh();
	return {
		el,
		stop() {
			clearInterval(timer);
			document.removeEventListener('visibilitychange', onVisible);
			seenEvents.removeEventListener('seen', onVisible);
		},
	};
}
