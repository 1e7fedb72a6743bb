import type { ClipPage } from '../lib/types.ts';
import { actorOf, href, type Screen, type ScreenContext } from './context.ts';
import { errorText, fill, h } from './dom.ts';
import { clipTile } from './tile.ts';

/** A grid of clips paged by cursor; `reset` starts again from the first page of another search. */
function clipGrid(load: (cursor?: string) => Promise<ClipPage>, empty: string) {
	const grid = h('div', { class: 'grid', 'aria-live': 'polite' });
	const more = h('div', { class: 'more' });
	let cursor: string | undefined;
	let generation = 0;
	async function next() {
		const mine = generation;
		fill(more, h('p', { class: 'muted' }, 'Loading…'));
		try {
			const page = await load(cursor);
			if (mine !== generation) return;
			grid.append(...page.clips.map((clip) => clipTile(clip)));
			cursor = page.cursor && page.clips.length > 0 ? page.cursor : undefined;
			fill(more, grid.childElementCount === 0 && h('p', { class: 'muted' }, empty), cursor && h('button', { type: 'button', onclick: () => void next() }, 'Load more'));
		} catch (error) {
			if (mine === generation) fill(more, h('p', { class: 'error' }, `Could not search: ${errorText(error)}`));
		}
	}
	return {
		el: h('div', null, grid, more),
		reset(): void {
			generation++;
			cursor = undefined;
			fill(grid);
			void next();
		},
	};
}

/** `/tag/<tag>`: every clip shown with that tag, newest first. */
export function tagScreen(ctx: ScreenContext, tag: string): Screen {
	const grid = clipGrid((cursor) => ctx.api.searchClips({ tag }, cursor), 'No clips with this tag yet.');
	grid.reset();
	return { title: `#${tag}`, el: h('div', { class: 'page' }, h('h1', null, `#${tag}`), grid.el) };
}

/**
 * Search: accounts as you type (handle or display-name prefix, after a short pause so each key does
 * not cost a request), and clips by caption, prompt and tags; a query starting with # opens its tag.
 */
export function searchScreen(ctx: ScreenContext, initial: string): Screen {
	const input = h('input', { type: 'search', id: 'search-q', value: initial, autocomplete: 'off', placeholder: 'Clips, #tags, people' });
	const people = h('ul', { class: 'typeahead', 'aria-label': 'People' });
	let q = initial;
	const clips = clipGrid((cursor) => ctx.api.searchClips({ q }, cursor), 'No clips found.');
	let timer: ReturnType<typeof setTimeout> | undefined;
	let asked = 0;

	async function suggest(text: string) {
		const mine = ++asked;
		const { actors } = text.trim() ? await ctx.api.searchActors(text.trim()).catch(() => ({ actors: [] })) : { actors: [] };
		if (mine !== asked) return;
		fill(people, actors.map((actor) => h('li', null, h('a', { href: href.profile(actorOf(actor)) }, actor.displayName ? `${actor.displayName} ` : '', h('span', { class: 'muted' }, `@${actor.handle}`)))));
	}
	function submit(event: Event) {
		event.preventDefault();
		const text = input.value.trim();
		if (text.startsWith('#') && text.length > 1 && !/\s/.test(text)) return ctx.navigate(href.tag(text.slice(1)));
		if (!text) return;
		q = text;
		history.replaceState(null, '', `${href.search()}?${new URLSearchParams({ q })}`);
		clips.reset();
	}
	input.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(() => void suggest(input.value), 150);
	});
	if (initial) clips.reset();
	queueMicrotask(() => input.focus());
	return {
		title: 'Search',
		el: h(
			'div',
			{ class: 'page' },
			h('form', { role: 'search', class: 'search-form', onsubmit: submit }, h('label', { for: 'search-q' }, 'Search'), input, h('button', { type: 'submit' }, 'Search')),
			people,
			clips.el,
		),
		destroy: () => clearTimeout(timer),
	};
}
