import { describe, expect, it } from 'vitest';
import { AUTHOR_SPACING, HALF_LIFE_HOURS, rank, reason, score, type Candidate } from '../../../worker/feeds/ranking.ts';

const now = Date.parse('2026-11-25T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now - hours * 3_600_000).toISOString();
const clip = (uri: string, fields: Partial<Candidate> = {}): Candidate => ({
	uri,
	author: `did:plc:${uri}`,
	sortAt: hoursAgo(1),
	likes: 0,
	comments: 0,
	remixes: 0,
	isRemix: false,
	followedByViewer: false,
	...fields,
});

describe('score', () => {
	it('halves every half-life', () => {
		const fresh = score(clip('a', { sortAt: hoursAgo(0) }), now);
		expect(score(clip('a', { sortAt: hoursAgo(HALF_LIFE_HOURS) }), now)).toBeCloseTo(fresh / 2);
	});

	it('weighs a remix over a comment over a like', () => {
		const liked = score(clip('a', { likes: 1 }), now);
		const commented = score(clip('a', { comments: 1 }), now);
		const remixed = score(clip('a', { remixes: 1 }), now);
		expect(remixed).toBeGreaterThan(commented);
		expect(commented).toBeGreaterThan(liked);
	});

	it('prefers authors the viewer follows', () => {
		expect(score(clip('a', { followedByViewer: true }), now)).toBeGreaterThan(score(clip('a'), now));
	});
});

describe('rank', () => {
	it('orders a fixed dataset by score', () => {
		const ranked = rank(
			[
				clip('old-popular', { sortAt: hoursAgo(72), likes: 20 }),
				clip('new-quiet', { sortAt: hoursAgo(1) }),
				clip('remixed', { sortAt: hoursAgo(6), remixes: 3 }),
				clip('liked', { sortAt: hoursAgo(2), likes: 4 }),
			],
			now,
		);
		expect(ranked.map((item) => item.uri)).toEqual(['remixed', 'liked', 'old-popular', 'new-quiet']);
	});

	it('spaces an author’s clips apart while other authors are left, then lets the rest follow', () => {
		const ranked = rank(
			[
				clip('a1', { author: 'A', likes: 30 }),
				clip('a2', { author: 'A', likes: 20 }),
				clip('a3', { author: 'A', likes: 10 }),
				clip('b1', { author: 'B', likes: 1 }),
				clip('c1', { author: 'C' }),
			],
			now,
		);
		expect(ranked.map((item) => item.uri)).toEqual(['a1', 'b1', 'c1', 'a2', 'a3']);
	});

	it(`gives one author at most one place in ${AUTHOR_SPACING}, however well their clips score`, () => {
		const flood = Array.from({ length: 30 }, (_, i) => clip(`flood${i}`, { author: 'F', likes: 100 }));
		const others = Array.from({ length: 12 }, (_, i) => clip(`other${i}`, { author: `O${i}` }));
		const page = rank([...flood, ...others], now).slice(0, 15);
		expect(page.filter((item) => item.author === 'F')).toHaveLength(3);
		expect(page[0]!.author).toBe('F');
	});

	it('gives each item a machine-readable reason', () => {
		expect(reason(clip('a', { remixes: 1, likes: 2 }))).toBe('remix-chain');
		expect(reason(clip('a', { comments: 3, likes: 1 }))).toBe('discussed');
		expect(reason(clip('a', { likes: 1 }))).toBe('popular');
		expect(reason(clip('a', { followedByViewer: true }))).toBe('following');
		expect(reason(clip('a'))).toBe('fresh');
	});
});
