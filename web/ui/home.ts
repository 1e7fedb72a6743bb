import { href, type ScreenContext, type Screen } from './context.ts';
import { h } from './dom.ts';
import { feedScreen } from './feed.ts';

/** Signed-in For You has no cursor: this stands for “the next page of clips not seen yet”. */
const NEXT = 'next';

/** For You and Following: the same player over two feeds, with tabs drawn over the video. */
export function homeScreen(ctx: ScreenContext, tab: 'forYou' | 'following'): Screen {
	const tabs = h(
		'nav',
		{ class: 'feed-tabs', 'aria-label': 'Feeds' },
		h('a', { href: href.following(), 'aria-current': tab === 'following' ? 'page' : undefined }, 'Following'),
		h('a', { href: href.forYou(), 'aria-current': tab === 'forYou' ? 'page' : undefined }, 'For You'),
	);
	if (tab === 'following' && !ctx.session) {
		return {
			title: 'Following',
			el: h(
				'div',
				{ class: 'feed-wrap' },
				tabs,
				h('div', { class: 'feed' }, h('div', { class: 'slide slide-status' }, h('div', { class: 'empty' }, h('p', null, 'Clips from the people you follow.'), h('a', { class: 'button primary', href: href.signin('#/following') }, 'Sign in')))),
			),
		};
	}
	/**
	 * Signed in, For You pages by itself (what it served is marked seen, so asking again gives the
	 * next clips); it ends when a page brings nothing new. Anonymous, it pages by cursor.
	 */
	const forYou = async (cursor?: string) => {
		const page = await ctx.api.forYou(cursor === NEXT ? undefined : cursor);
		return ctx.session && !page.cursor && page.clips.length > 0 ? { ...page, cursor: NEXT } : page;
	};
	return feedScreen(ctx, {
		label: tab === 'forYou' ? 'For You' : 'Following',
		overlay: tabs,
		load: (cursor) => (tab === 'forYou' ? forYou(cursor) : ctx.api.timeline(cursor)),
		empty: () =>
			tab === 'forYou'
				? [h('p', null, 'Nothing on the network yet.'), h('a', { class: 'button primary', href: href.generate() }, 'Make the first clip')]
				: [h('p', null, 'Nobody you follow has posted a clip yet.'), h('a', { class: 'button', href: href.forYou() }, 'Find people on For You')],
	});
}
