import { AppBskyActorProfile, AppBskyEmbedRecordWithMedia, AppBskyEmbedVideo, AppBskyFeedGenerator, AppBskyFeedPost, AppBskyGraphFollow } from '@atcute/bluesky';
import { VideoDreamreelClip, VideoDreamreelComment, VideoDreamreelConsent, VideoDreamreelLike, VideoDreamreelRemix } from './lexicons/index.ts';

/** A record schema's NSID, typed as its literal: taken from the generated schema, never typed by hand. */
const nsidOf = <T extends string>(schema: { object: { shape: { $type: { expected: T } } } }): T => schema.object.shape.$type.expected;

/** An object schema's `$type`, typed as its literal. */
const typeOf = <T extends string>(schema: { shape: { $type: { wrapped: { expected: T } } } }): T => schema.shape.$type.wrapped.expected;

/** The records Dreamreel defines (lexicons/video/dreamreel/). */
export const CLIP = nsidOf(VideoDreamreelClip.mainSchema);
export const REMIX = nsidOf(VideoDreamreelRemix.mainSchema);
export const CONSENT = nsidOf(VideoDreamreelConsent.mainSchema);
export const LIKE = nsidOf(VideoDreamreelLike.mainSchema);
export const COMMENT = nsidOf(VideoDreamreelComment.mainSchema);

/** Bluesky's records it shares: one social graph, profiles, posts that share clips, feed generators. */
export const FOLLOW = nsidOf(AppBskyGraphFollow.mainSchema);
export const PROFILE = nsidOf(AppBskyActorProfile.mainSchema);
export const POST = nsidOf(AppBskyFeedPost.mainSchema);
export const FEED_GENERATOR = nsidOf(AppBskyFeedGenerator.mainSchema);

/** The embeds through which a Bluesky post shares a clip's video. */
export const EMBED_VIDEO = typeOf(AppBskyEmbedVideo.mainSchema);
export const EMBED_RECORD_WITH_MEDIA = typeOf(AppBskyEmbedRecordWithMedia.mainSchema);
