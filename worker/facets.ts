// The #tags and @mentions of a caption or comment, as Bluesky's rich-text grammar reads them
// (@atcute/bluesky-richtext-parser): one reading for the index and the web client, which links them.
import { tokenize, type Token } from '@atcute/bluesky-richtext-parser';

export interface Facets {
	/** Lower-cased (NFKC) tag names, without '#', each once. */
	tags: string[];
	/** Lower-cased handles, without '@', each once. */
	mentions: string[];
}

/** A tag as the index keys it: one spelling for `#Sunset`, `sunset` and `ｓｕｎｓｅｔ`. */
export function normalizeTag(tag: string): string {
	return tag.normalize('NFKC').toLowerCase();
}

export function facetsOf(text: string | undefined): Facets {
	const tags = new Set<string>();
	const mentions = new Set<string>();
	const visit = (tokens: Token[]) => {
		for (const token of tokens) {
			if (token.type === 'topic') tags.add(normalizeTag(token.name));
			else if (token.type === 'mention') mentions.add(token.handle.toLowerCase());
			else if ('children' in token) visit(token.children);
		}
	};
	if (text) visit(tokenize(text));
	return { tags: [...tags], mentions: [...mentions] };
}
