import type { Notification } from '../lib/types.ts';
import { seenEvents } from './bell.ts';
import { actorOf, href, type Screen, type ScreenContext } from './context.ts';
import { errorText, fill, h, timeAgo, type Child } from './dom.ts';

const HIDDEN_TEXT: Record<string, string> = {
	authorInactive: 'its author’s account is inactive',
	noConsent: 'you have not given consent',
	expired: 'your consent has expired',
	audience: 'your consent does not cover its author',
	otherCameo: 'someone else in it has not consented',
	brokenChain: 'a clip it remixes is missing',
	remixNotAllowed: 'a clip it remixes does not allow it',
	remixConsent: 'someone it remixes has not allowed the remix',
};

/** "Ann, Ben and 10 others" */
function who(n: Notification): Child[] {
	const [first, second] = n.authors;
	const name = (actor: NonNullable<typeof first>) => h('a', { href: href.profile(actorOf(actor)) }, actor.displayName || `@${actor.handle}`);
	const others = n.authorCount - (second ? 2 : 1);
	return [first && name(first), second && [others > 0 ? ', ' : ' and ', name(second)], others > 0 && ` and ${others} other${others === 1 ? '' : 's'}`];
}

function what(n: Notification): Child[] {
	const clip = (text: string, uri = n.subject) => (uri ? h('a', { href: href.clip(uri) }, text) : text);
	switch (n.reason) {
		case 'like':
			return [' liked ', clip('your clip')];
		case 'comment':
			return [' commented on ', clip('your clip')];
		case 'reply':
			return [' replied to your comment on ', clip('a clip')];
		case 'mention':
			return [' mentioned you in ', clip('a clip')];
		case 'follow':
			return [' followed you'];
		case 'remix':
			return [' remixed ', clip('your clip', n.uri)];
		case 'featured': {
			const hidden = n.featured?.state === 'hidden';
			return [
				' featured you in ',
				hidden ? 'a clip' : clip('a clip'),
				hidden ? ` — hidden: ${HIDDEN_TEXT[n.featured?.reason ?? ''] ?? 'it breaks a rule'}. ` : '. ',
				h('a', { href: href.consent(), class: 'featured-consent' }, 'Review your consent'),
			];
		}
		default:
			return [` (${n.reason})`];
	}
}

/** Notices about the reader's own consent and jobs: nobody else did anything. */
function notice(n: Notification): Child[] | undefined {
	switch (n.reason) {
		case 'consentExpiring':
			return [
				`Your consent to be featured expires on ${new Date(n.expiresAt ?? n.indexedAt).toLocaleString()}. `,
				h('a', { href: href.consent(), class: 'featured-consent' }, 'Renew it'),
			];
		case 'jobFinished':
			return n.job?.status === 'ready'
				? ['Your clip is ready: ', h('a', { href: href.drafts() }, 'publish it from your drafts')]
				: [`A clip could not be made${n.job?.error ? ` (${n.job.error})` : ''}. `, h('a', { href: href.drafts() }, 'See your drafts')];
		default:
			return undefined;
	}
}

function item(n: Notification): HTMLElement {
	const text = notice(n) ?? [who(n), what(n)];
	return h('li', { class: `notification${n.isRead ? '' : ' unread'}`, 'data-reason': n.reason }, h('p', null, text), h('p', { class: 'muted' }, timeAgo(n.indexedAt)));
}

/** The signed-in user's notifications; opening them marks them seen. */
export function notificationsScreen(ctx: ScreenContext): Screen {
	const list = h('ul', { class: 'notifications', 'aria-label': 'Notifications' });
	const more = h('div', { class: 'more' });
	let cursor: string | undefined;
	async function load(first: boolean) {
		fill(more, h('p', { class: 'muted' }, 'Loading…'));
		try {
			const page = await ctx.api.notifications(cursor);
			list.append(...page.notifications.map(item));
			cursor = page.cursor;
			fill(more, list.childElementCount === 0 && h('p', { class: 'muted' }, 'Nothing yet.'), cursor && h('button', { type: 'button', onclick: () => void load(false) }, 'Load more'));
			const newest = page.notifications[0]?.indexedAt;
			if (first && newest) {
				await ctx.api.updateSeen(newest);
				seenEvents.dispatchEvent(new Event('seen'));
			}
		} catch (error) {
			fill(more, h('p', { class: 'error' }, `Could not load notifications: ${errorText(error)}`));
		}
	}
	void load(true);
	return { title: 'Notifications', el: h('div', { class: 'page narrow' }, h('h1', null, 'Notifications'), list, more) };
}
