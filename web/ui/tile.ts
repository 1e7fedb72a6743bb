import { recordOf, type ClipView } from '../lib/types.ts';
import { href } from './context.ts';
import { count, h } from './dom.ts';
import { icon } from './icons.ts';

/**
 * A clip in a grid: its thumbnail, or the MP4's first frame (`preload=metadata` and a `#t=` fragment),
 * in a fixed 9:16 box so the grid never reflows as frames arrive.
 */
export function clipTile(clip: ClipView, options: { current?: boolean } = {}): HTMLElement {
	const record = recordOf(clip);
	const { playback } = clip;
	const still = playback.thumbnail
		? h('img', { src: playback.thumbnail, alt: '', loading: 'lazy', decoding: 'async' })
		: playback.mp4
			? h('video', { src: `${playback.mp4}#t=0.5`, preload: 'metadata', muted: true, playsinline: true, tabindex: -1, 'aria-hidden': 'true' })
			: h('span', { class: 'tile-placeholder' });
	return h(
		'a',
		{
			class: `tile${options.current ? ' tile-current' : ''}`,
			href: href.clip(clip.uri),
			'aria-current': options.current ? 'true' : undefined,
			'aria-label': `${record.caption ?? 'Clip'} by @${clip.author.handle}${clip.lineage ? ' (remix)' : ''}`,
		},
		h('span', { class: 'tile-media' }, still),
		clip.lineage && h('span', { class: 'tile-badge' }, 'Remix'),
		h(
			'span',
			{ class: 'tile-info' },
			h('span', { class: 'tile-author' }, `@${clip.author.handle}`),
			record.caption && h('span', { class: 'tile-caption' }, record.caption),
			h('span', { class: 'tile-stats' }, icon('heart'), count(clip.likeCount), ' ', icon('remix'), count(clip.remixCount)),
		),
	);
}
