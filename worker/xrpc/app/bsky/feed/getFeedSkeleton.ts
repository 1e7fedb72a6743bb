import { AppBskyFeedGetFeedSkeleton } from '@atcute/bluesky';
import type { ResourceUri } from '@atcute/lexicons/syntax';
import { json, XRPCError } from '@atcute/xrpc-server';
import { algorithms } from '../../../../feeds/skeleton.ts';
import { own } from '../../../../own.ts';
import type { Method } from '../../../method.ts';
import { FEED_GENERATOR } from '../../../../nsid.ts';

/**
 * The standard feed-generator method, so any Bluesky app can show Dreamreel feeds. Personalised
 * when the requester's AppView sends a service JWT addressed to us; the public version otherwise.
 */
export const getFeedSkeleton: Method = (router, app) =>
	router.addQuery(AppBskyFeedGetFeedSkeleton, {
		async handler({ params, request }) {
			const [, , publisher, collection, rkey] = params.feed.split('/');
			const algorithm = rkey ? own(algorithms, rkey) : undefined;
			if (publisher !== app.config.feedPublisherDid || collection !== FEED_GENERATOR || !algorithm) {
				throw new XRPCError({ status: 400, error: 'UnknownFeed', message: `unknown feed ${params.feed}` });
			}
			const viewer = await app.auth.optionalViewer(request, AppBskyFeedGetFeedSkeleton.mainSchema.nsid);
			const { items, cursor } = await algorithm(app.db, viewer, params.limit ?? 50, params.cursor);
			return json({ feed: items.map((item) => ({ post: item.post as ResourceUri, ...(item.feedContext ? { feedContext: item.feedContext } : {}) })), cursor });
		},
	});
