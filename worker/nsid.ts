// The NSIDs of the records and embeds Dreamreel names, and the one shape of a record reference: one
// module for the worker, the web client and the scripts. Each NSID is checked against the generated
// lexicon types (a typo or a renamed record fails the type-check), and the imports are type-only, so
// no validator reaches the web bundle.
import type {
	AppBskyActorProfile, AppBskyEmbedRecordWithMedia, AppBskyEmbedVideo, AppBskyFeedGenerator, AppBskyFeedPost, AppBskyGraphBlock, AppBskyGraphFollow,
	AppBskyGraphListblock, AppBskyGraphListitem,
} from '@atcute/bluesky';
import type { VideoDreamreelClip, VideoDreamreelComment, VideoDreamreelConsent, VideoDreamreelLike, VideoDreamreelRemix } from './lexicons/index.ts';

/** The records Dreamreel defines (lexicons/video/dreamreel/). */
export const CLIP: VideoDreamreelClip.Main['$type'] = 'video.dreamreel.clip';
export const REMIX: VideoDreamreelRemix.Main['$type'] = 'video.dreamreel.remix';
export const CONSENT: VideoDreamreelConsent.Main['$type'] = 'video.dreamreel.consent';
export const LIKE: VideoDreamreelLike.Main['$type'] = 'video.dreamreel.like';
export const COMMENT: VideoDreamreelComment.Main['$type'] = 'video.dreamreel.comment';

/** Bluesky's records Dreamreel shares: one social graph, profiles, posts that share clips, feed generators. */
export const FOLLOW: AppBskyGraphFollow.Main['$type'] = 'app.bsky.graph.follow';
export const PROFILE: AppBskyActorProfile.Main['$type'] = 'app.bsky.actor.profile';
export const POST: AppBskyFeedPost.Main['$type'] = 'app.bsky.feed.post';
/** Blocks, made in any Bluesky app: one person (BLOCK) or everyone on a list (LISTBLOCK names the list, LISTITEM its members). */
export const BLOCK: AppBskyGraphBlock.Main['$type'] = 'app.bsky.graph.block';
export const LISTBLOCK: AppBskyGraphListblock.Main['$type'] = 'app.bsky.graph.listblock';
export const LISTITEM: AppBskyGraphListitem.Main['$type'] = 'app.bsky.graph.listitem';
export const FEED_GENERATOR: AppBskyFeedGenerator.Main['$type'] = 'app.bsky.feed.generator';

/** The embeds through which a Bluesky post shares a clip's video. */
export const EMBED_VIDEO: NonNullable<AppBskyEmbedVideo.Main['$type']> = 'app.bsky.embed.video';
export const EMBED_RECORD_WITH_MEDIA: NonNullable<AppBskyEmbedRecordWithMedia.Main['$type']> = 'app.bsky.embed.recordWithMedia';

/** A reference to one version of a record (`com.atproto.repo.strongRef`), its URI a plain string. */
export interface StrongRef {
	uri: string;
	cid: string;
}
