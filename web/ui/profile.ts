import type { ClipPage, ConsentAnswer } from '../lib/types.ts';
import type { ScreenContext, Screen } from './context.ts';
import { href } from './context.ts';
import { errorText, fill, h } from './dom.ts';
import { avatar } from './avatar.ts';
import { profileEditor } from './profile-edit.ts';
import { openReport } from './report.ts';
import { clipTile } from './tile.ts';

type Filter = 'all' | 'clips' | 'remixes';

const AUDIENCE_TEXT: Record<string, string> = {
	self: 'nobody else may feature them',
	listed: 'only people they listed may feature them',
	mutuals: 'mutual follows may feature them',
	followers: 'their followers may feature them',
	everyone: 'anyone may feature them',
};

/** A creator's clips and remixes (`getAuthorFeed`), with follow/unfollow (`app.bsky.graph.follow` in the viewer's repo). */
export function profileScreen(ctx: ScreenContext, actor: string): Screen {
	const header = h('header', { class: 'profile-head' }, h('h1', null, actor.startsWith('did:') ? actor : `@${actor}`));
	const grid = h('div', { class: 'grid', 'aria-live': 'polite' });
	const more = h('div', { class: 'more' });
	let filter: Filter = 'all';
	let cursor: string | undefined;
	let generation = 0;

	const filters = h(
		'div',
		{ class: 'segmented', role: 'group', 'aria-label': 'Show' },
		(['all', 'clips', 'remixes'] as const).map((value) =>
			h('button', { type: 'button', 'aria-pressed': String(value === filter), 'data-filter': value, onclick: () => setFilter(value) }, value[0]!.toUpperCase() + value.slice(1)),
		),
	);

	function setFilter(value: Filter) {
		filter = value;
		for (const button of filters.querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.filter === value));
		fill(grid);
		cursor = undefined;
		void load();
	}

	async function load() {
		const mine = ++generation;
		fill(more, h('p', { class: 'muted' }, 'Loading…'));
		let page: ClipPage;
		try {
			page = await ctx.api.authorFeed(actor, filter, cursor);
		} catch (error) {
			if (mine === generation) fill(more, h('p', { class: 'error' }, `Could not load clips: ${errorText(error)}`));
			return;
		}
		if (mine !== generation) return;
		grid.append(...page.clips.map((clip) => clipTile(clip)));
		cursor = page.cursor && page.clips.length > 0 ? page.cursor : undefined;
		fill(
			more,
			grid.childElementCount === 0 && h('p', { class: 'muted' }, filter === 'remixes' ? 'No remixes yet.' : 'No clips yet.'),
			cursor && h('button', { type: 'button', onclick: () => void load() }, 'Load more'),
		);
	}

	async function loadHeader() {
		let who: ConsentAnswer;
		try {
			who = await ctx.api.consent(actor);
		} catch (error) {
			fill(header, h('h1', null, actor), h('p', { class: 'error' }, errorText(error)));
			return;
		}
		const { did, handle, displayName } = who.actor;
		const isMe = ctx.session?.did === did;
		const actions = h('div', { class: 'profile-actions' });
		fill(
			header,
			avatar(who.actor, 'large'),
			h('div', { class: 'profile-names' }, displayName && h('p', { class: 'display-name' }, displayName), h('h1', null, `@${handle}`), h('p', { class: 'did' }, did)),
			h(
				'p',
				{ class: 'profile-consent' },
				who.consent ? `Likeness: ${AUDIENCE_TEXT[who.consent.audience] ?? who.consent.audience}.` : 'Likeness: no consent given; nobody may feature them.',
				ctx.session && !isMe && (who.allowsViewer ? ' You may feature them.' : ' You may not feature them.'),
			),
			actions,
		);
		if (isMe) {
			const edit = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Edit profile');
			edit.addEventListener('click', () => {
				const open = header.querySelector('.profile-edit');
				edit.setAttribute('aria-expanded', String(!open));
				if (open) return open.remove();
				header.append(
					profileEditor(ctx, () => {
						ctx.toast('Profile saved — it shows here in a moment.');
						// The index follows the PDS within a second or two.
						setTimeout(() => void loadHeader(), 1500);
					}),
				);
			});
			actions.append(
				edit,
				h('a', { class: 'button', href: href.drafts() }, 'Drafts'),
				h('a', { class: 'button', href: href.consent() }, 'Consent settings'),
				h('button', { type: 'button', onclick: () => void ctx.session?.signOut() }, 'Sign out'),
			);
		} else if (ctx.session) {
			actions.append(followButton(ctx, did, handle), h('button', { type: 'button', onclick: () => openReport(ctx, { did }, `@${handle}`) }, 'Report'));
		} else {
			actions.append(h('a', { class: 'button', href: href.signin(location.hash) }, 'Sign in to follow'));
		}
	}

	void loadHeader();
	void load();
	return { el: h('div', { class: 'page' }, header, filters, grid, more), title: actor };
}

function followButton(ctx: ScreenContext, did: string, handle: string): HTMLButtonElement {
	let followUri: string | undefined;
	const button = h('button', { type: 'button', class: 'primary follow', disabled: true, 'aria-pressed': 'false' }, 'Follow');
	const show = () => {
		button.textContent = followUri ? 'Following' : 'Follow';
		button.setAttribute('aria-pressed', String(!!followUri));
		button.classList.toggle('primary', !followUri);
		button.setAttribute('aria-label', followUri ? `Unfollow @${handle}` : `Follow @${handle}`);
	};
	ctx.api.findFollow(did).then(
		(uri) => {
			followUri = uri;
			button.disabled = false;
			show();
		},
		(error: unknown) => ctx.toast(`Could not read your follows: ${errorText(error)}`),
	);
	button.addEventListener('click', async () => {
		button.disabled = true;
		try {
			if (followUri) {
				await ctx.api.deleteRecord(followUri);
				followUri = undefined;
			} else {
				followUri = (await ctx.api.follow(did)).uri;
			}
			show();
		} catch (error) {
			ctx.toast(`Could not update the follow: ${errorText(error)}`);
		} finally {
			button.disabled = false;
		}
	});
	return button;
}
