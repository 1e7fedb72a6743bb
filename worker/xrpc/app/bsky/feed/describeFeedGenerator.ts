import { AppBskyFeedDescribeFeedGenerator } from '@atcute/bluesky';
import type { ResourceUri } from '@atcute/lexicons/syntax';
import { json } from '@atcute/xrpc-server';
import { feedCatalog } from '../../../../feeds/catalog.ts';
import type { Method } from '../../../method.ts';

export const describeFeedGenerator: Method = (router, app) =>
	router.addQuery(AppBskyFeedDescribeFeedGenerator, {
		async handler() {
			return json({
				did: app.config.serviceDid,
				feeds: Object.keys(feedCatalog).map((rkey) => ({
					uri: `at://${app.config.feedPublisherDid}/app.bsky.feed.generator/${rkey}` as ResourceUri,
				})),
			});
		},
	});
