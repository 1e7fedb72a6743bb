import { facetsOf } from '../facets.ts';

/** DIDs written out in a prompt (the methods the network uses). */
const DIDS = /\bdid:(?:plc:[a-z2-7]{24}|web:[a-zA-Z0-9.%-]+[a-zA-Z0-9])/g;
/** A display name is matched as a run of at most this many words. */
const MAX_NAME_WORDS = 6;
/** Bounds the lookup for a long prompt (2000 graphemes is ~400 words: ~2400 runs). */
const MAX_CANDIDATES = 3000;

/**
 * The people a prompt names whom the network knows: `@handle` mentions of indexed accounts (Bluesky's
 * rich-text grammar, as captions are read), DIDs written out (known or not: an unknown DID has no
 * consent, so naming one is refused), and the exact display name of an active indexed account — a run
 * of two or more whole words, case and punctuation as written, so that a one-word display name
 * ("Sunset") cannot claim every prompt using the word. A name the index does not know cannot be checked.
 */
export async function mentionedPeople(db: D1Database, prompt: string): Promise<string[]> {
	const handles = facetsOf(prompt).mentions;
	const dids = [...new Set(prompt.match(DIDS) ?? [])];
	const names = nameCandidates(prompt);
	const { results } = await db
		.prepare(
			`SELECT did FROM actors WHERE handle IN (SELECT value FROM json_each(?1))
			 UNION SELECT did FROM actors WHERE display_name IN (SELECT value FROM json_each(?2)) AND active = 1`,
		)
		.bind(JSON.stringify(handles), JSON.stringify(names))
		.all<{ did: string }>();
	return [...new Set([...dids, ...results.map((row) => row.did)])];
}

/** Every run of 2…MAX_NAME_WORDS words, trimmed of the punctuation around it ("Ann Lee," → "Ann Lee"). */
export function nameCandidates(prompt: string): string[] {
	const words = prompt.split(/\s+/u).filter(Boolean);
	const candidates = new Set<string>();
	for (let start = 0; start < words.length && candidates.size < MAX_CANDIDATES; start++) {
		for (let length = 2; length <= MAX_NAME_WORDS && start + length <= words.length; length++) {
			candidates.add(words.slice(start, start + length).join(' ').replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''));
		}
	}
	return [...candidates].filter((name) => name.includes(' '));
}
