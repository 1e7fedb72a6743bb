import { schemas } from '@atproto/api';
import { Lexicons, type LexiconDoc } from '@atproto/lexicon';
import { describe, expect, it } from 'vitest';

const ours = Object.values(
	import.meta.glob<LexiconDoc>('../../lexicons/**/*.json', { eager: true, import: 'default' }),
);

describe('lexicon documents', () => {
	it('are laid out by NSID', () => {
		const paths = Object.keys(import.meta.glob('../../lexicons/**/*.json'));
		for (const [i, doc] of ours.entries()) {
			expect(paths[i]).toBe(`../../lexicons/${doc.id.replaceAll('.', '/')}.json`);
		}
	});

	it('all load into @atproto/lexicon with every reference resolved', () => {
		const lexicons = new Lexicons(schemas);
		for (const doc of ours) lexicons.add(doc);
		for (const doc of ours) {
			for (const name of Object.keys(doc.defs)) {
				expect(() => lexicons.getDefOrThrow(`lex:${doc.id}#${name}`)).not.toThrow();
			}
		}
		// Resolving every ref: validating a representative record walks clip -> defs -> com.atproto.*.
		expect(() =>
			lexicons.assertValidRecord('video.dreamreel.consent', {
				$type: 'video.dreamreel.consent',
				audience: 'everyone',
				createdAt: '2026-11-25T07:00:00.000Z',
			}),
		).not.toThrow();
	});

	it('declare every method the API promises', () => {
		const ids = ours.map((doc) => doc.id).sort();
		expect(ids).toEqual(
			[
				'cancelJob', 'clip', 'comment', 'consent', 'defs', 'deleteLikeness', 'dismissJob', 'exportLikeness', 'generate', 'getAuthorFeed', 'getCameoClips', 'getClip',
				'getClips', 'getComments', 'getConsent', 'getForYou', 'getJob', 'getLikeness', 'getLineage', 'getMutes', 'getPreferences', 'getRemixes', 'getTimeline',
				'getUnreadCount', 'like', 'listJobs', 'listNotifications', 'muteActor', 'putLikeness', 'putMutedWords', 'putPreferences', 'remix', 'searchActors',
				'searchClips', 'unmuteActor', 'updateSeen',
			].map((name) => `video.dreamreel.${name}`),
		);
	});
});
