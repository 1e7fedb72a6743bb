/**
 * For You ranking: one small module, pure functions, tested on fixed data.
 *
 * score = (1 + likes + 2·comments + 4·remixes) × ½^(age / half-life) × (1.5 if the viewer follows the author)
 *
 * Remixes weigh most: remix chains are what this network is for. Every signal counts people, not
 * records. Then a greedy pass spaces each author's clips AUTHOR_SPACING apart, so that however many
 * clips one account writes it takes at most a fifth of a page while others are left; the queries
 * also take at most CANDIDATES_PER_AUTHOR of an author's newest clips as candidates.
 */

export const HALF_LIFE_HOURS = 24;
export const WEIGHTS = { like: 1, comment: 2, remix: 4, followedAuthor: 1.5 } as const;
/** An author's clips are at least this many places apart while other authors are left. */
export const AUTHOR_SPACING = 5;
/** How many of one author's clips are candidates at all. */
export const CANDIDATES_PER_AUTHOR = 10;

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

/**
 * Highest score first, each author's clips AUTHOR_SPACING places apart; when every author left was
 * seen too recently, the one seen longest ago goes next.
 */
export function rank(candidates: Candidate[], now: number): Ranked[] {
	const pool = candidates
		.map((candidate) => ({ uri: candidate.uri, author: candidate.author, score: score(candidate, now), reason: reason(candidate) }))
		.sort((a, b) => b.score - a.score || (a.uri < b.uri ? 1 : -1));
	const ranked: Ranked[] = [];
	const lastAt = new Map<string, number>();
	while (pool.length > 0) {
		let next = 0;
		let widest = -1;
		for (let index = 0; index < pool.length; index++) {
			const gap = ranked.length - (lastAt.get(pool[index]!.author) ?? -Infinity);
			if (gap >= AUTHOR_SPACING) {
				next = index;
				break;
			}
			if (gap > widest) [next, widest] = [index, gap];
		}
		const [item] = pool.splice(next, 1);
		lastAt.set(item!.author, ranked.length);
		ranked.push(item!);
	}
	return ranked;
}
