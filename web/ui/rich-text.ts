import { tokenize, type Token } from '@atcute/bluesky-richtext-parser';
import { href } from './context.ts';
import { h, type Child } from './dom.ts';

/**
 * A caption or comment with its #tags linked to their tag page and its @mentions to the profile,
 * read with the same grammar the index uses (worker/facets.ts); everything else stays plain text
 * (the markdown-like marks the grammar knows are shown as written).
 */
export function richText(text: string): Child[] {
	return tokenize(text).map(part);
}

function part(token: Token): Child {
	switch (token.type) {
		case 'topic':
			return h('a', { href: href.tag(token.name), class: 'tag' }, token.raw);
		case 'mention':
			return h('a', { href: href.profile(token.handle), class: 'mention' }, token.raw);
		default:
			return token.raw;
	}
}
