/**
 * The feeds Dreamreel publishes as standard feed generators, keyed by the record key of their
 * `app.bsky.feed.generator` record. Shared by the worker and `scripts/publish-feeds.ts`.
 */
export const feedCatalog = {
	following: { displayName: 'Dreamreel: Following', description: 'Clips and remixes from the people you follow, newest first.' },
	trending: { displayName: 'Dreamreel: Trending', description: 'AI clips rising across the network; remix chains count most.' },
	remixes: { displayName: 'Dreamreel: Remixes of the week', description: 'The best remixes of the last seven days.' },
} as const;

export type FeedKey = keyof typeof feedCatalog;
