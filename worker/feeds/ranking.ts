/**
 * For You ranking: one small module, pure functions, tested on fixed data.
 *
 * score = (1 + likes + 2·comments + 4·remixes) × ½^(age / half-life) × (1.5 if the viewer follows the author)
 *
 * Remixes weigh most: remix chains are what this network is for. Then a greedy pass keeps the same
 * author from appearing twice in a row.
 */

export const HALF_LIFE_HOURS = 24;
export const WEIGHTS = { like: 1, comment: 2, remix: 4, followedAuthor: 1.5 } as const;

export interface Candidate {
	uri: string;
	author: string;
	sortAt: string;
	likes: number;
	comments: number;
	remixes: number;
	isRemix: boolean;
	followedByViewer: boolean;
}

export type Reason = 'remix-chain' | 'popular' | 'discussed' | 'following' | 'fresh';

export interface Ranked {
	uri: string;
	author: string;
	score: number;
	reason: Reason;
}

export function score(candidate: Candidate, now: number): number {
	const engagement =
		1 + WEIGHTS.like * candidate.likes + WEIGHTS.comment * candidate.comments + WEIGHTS.remix * candidate.remixes;
	const ageHours = Math.max(0, now - Date.parse(candidate.sortAt)) / 3_600_000;
	const affinity = candidate.followedByViewer ? WEIGHTS.followedAuthor : 1;
	return engagement * 0.5 ** (ageHours / HALF_LIFE_HOURS) * affinity;
}

/** The strongest reason a clip was chosen, for `feedContext`. */
export function reason(candidate: Candidate): Reason {
	const terms: [Reason, number][] = [
		['remix-chain', WEIGHTS.remix * candidate.remixes + (candidate.isRemix ? WEIGHTS.remix : 0)],
		['discussed', WEIGHTS.comment * candidate.comments],
		['popular', WEIGHTS.like * candidate.likes],
	];
	const [best, weight] = terms.reduce((a, b) => (b[1] > a[1] ? b : a));
	if (weight > 0) return best;
	return candidate.followedByViewer ? 'following' : 'fresh';
}

/** Highest score first, never the same author twice in a row while another author is left. */
export function rank(candidates: Candidate[], now: number): Ranked[] {
	const pool = candidates
		.map((candidate) => ({ uri: candidate.uri, author: candidate.author, score: score(candidate, now), reason: reason(candidate) }))
		.sort((a, b) => b.score - a.score || (a.uri < b.uri ? 1 : -1));
	const ranked: Ranked[] = [];
	while (pool.length > 0) {
		const previous = ranked.at(-1)?.author;
		const index = pool.findIndex((item) => item.author !== previous);
		ranked.push(...pool.splice(index === -1 ? 0 : index, 1));
	}
	return ranked;
}
