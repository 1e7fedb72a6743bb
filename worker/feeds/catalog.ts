/**
 * The feeds Dreamreel publishes as standard feed generators, keyed by the record key of their
 * `app.bsky.feed.generator` record. Shared by the worker and `scripts/publish-feeds.ts`.
 * The lexicon caps displayName at 24 graphemes and description at 300.
 */
export const feedCatalog = {
	following: { displayName: 'Dreamreel Following', description: 'Clips and remixes from the people you follow, newest first.' },
	trending: { displayName: 'Dreamreel Trending', description: 'AI clips rising across the network; remix chains count most.' },
	remixes: { displayName: 'Dreamreel Remixes', description: 'Remixes of the week: the best remixes of the last seven days.' },
} as const;

export type FeedKey = keyof typeof feedCatalog;
