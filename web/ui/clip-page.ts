import { richText } from './rich-text.ts';
import type { ClipView, LineageNode, NotFoundClip } from '../lib/types.ts';
import { recordOf } from '../lib/types.ts';
import { avatar } from './avatar.ts';
import { provenance } from './clip-meta.ts';
import { remixRefusal } from './consent-text.ts';
import { actorOf, href, type ScreenContext, type Screen } from './context.ts';
import { errorText, fill, h, plural } from './dom.ts';
import { feedScreen } from './feed.ts';
import { clipTile } from './tile.ts';

const REMIXES = 'remixes:';

/** One clip in the player; swiping on goes through its direct remixes. */
export function clipScreen(ctx: ScreenContext, uri: string): Screen {
	const bar = h(
		'nav',
		{ class: 'feed-tabs', 'aria-label': 'Clip' },
		h('button', { type: 'button', class: 'back', onclick: () => (history.length > 1 ? history.back() : ctx.navigate(href.forYou())) }, '← Back'),
		h('a', { href: href.lineage(uri) }, 'Lineage'),
	);
	return feedScreen(ctx, {
		label: 'Clip and its remixes',
		overlay: bar,
		async load(cursor) {
			if (cursor === undefined) {
				const clip = await ctx.api.clip(uri);
				return { clips: [clip], ...(clip.remixCount > 0 ? { cursor: REMIXES } : {}) };
			}
			const page = await ctx.api.remixes(uri, cursor.slice(REMIXES.length) || undefined);
			return { clips: page.clips, ...(page.cursor ? { cursor: REMIXES + page.cursor } : {}) };
		},
		empty: () => h('p', null, 'This clip is not available.'),
	});
}

/** A clip's remix lineage (`getLineage`): its ancestors from the root down, then the tree of its remixes. */
export function lineageScreen(ctx: ScreenContext, uri: string): Screen {
	const body = h('div', { class: 'lineage-body', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
	ctx.api.lineage(uri).then(
		({ clip, ancestors, descendants }) =>
			fill(
				body,
				h(
					'section',
					{ 'aria-labelledby': 'chain-title' },
					h('h2', { id: 'chain-title' }, ancestors.length > 0 ? 'Remixed from' : 'An original clip'),
					h('ol', { class: 'chain' }, ancestors.map((ancestor) => h('li', null, ancestorCard(ancestor))), h('li', { class: 'chain-current' }, row(clip, true))),
				),
				h(
					'section',
					{ 'aria-labelledby': 'tree-title' },
					h('h2', { id: 'tree-title' }, clip.remixCount > 0 ? plural(clip.remixCount, 'remix', 'remixes') : 'No remixes yet'),
					descendants.length > 0 && tree(descendants),
					clip.viewer?.canRemix === false
						? h('p', { class: 'muted remix-refused' }, `You cannot remix this clip: ${remixRefusal(clip, ctx.session?.did)}.`)
						: h('a', { class: 'button primary', href: href.generate(clip.uri) }, 'Remix this clip'),
				),
			),
		(error: unknown) => fill(body, h('p', { class: 'error' }, `Could not load the lineage: ${errorText(error)}`)),
	);
	return { el: h('div', { class: 'page' }, h('h1', null, 'Remix lineage'), body), title: 'Lineage' };
}

function ancestorCard(ancestor: ClipView | NotFoundClip): HTMLElement {
	return 'notFound' in ancestor ? h('div', { class: 'row row-missing' }, 'A clip that is deleted or no longer shown') : row(ancestor, false);
}

function row(clip: ClipView, current: boolean): HTMLElement {
	const record = recordOf(clip);
	return h(
		'div',
		{ class: `row${current ? ' row-current' : ''}`, 'data-uri': clip.uri },
		clipTile(clip, { current }),
		h(
			'div',
			{ class: 'row-text' },
			h('a', { href: href.profile(actorOf(clip.author)), class: 'author' }, avatar(clip.author), `@${clip.author.handle}`),
			current && h('span', { class: 'badge' }, 'This clip'),
			record.caption && h('p', null, richText(record.caption)),
			provenance(clip),
		),
	);
}

function tree(nodes: LineageNode[]): HTMLElement {
	return h(
		'ul',
		{ class: 'tree' },
		nodes.map((node) =>
			h('li', null, row(node.clip as ClipView, false), node.children.length > 0 && tree(node.children), node.truncated && h('p', { class: 'muted' }, h('a', { href: href.lineage(node.clip.uri) }, 'More remixes…'))),
		),
	);
}
