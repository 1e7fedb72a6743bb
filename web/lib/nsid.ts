// The NSIDs the client names, each checked against the generated lexicon types: a typo or a renamed
// record fails the type-check. Type-only imports: none of the validators reach the bundle.
import type { VideoDreamreelClip, VideoDreamreelComment, VideoDreamreelConsent, VideoDreamreelLike, VideoDreamreelRemix } from '../../worker/lexicons/index.ts';

export const CLIP: VideoDreamreelClip.Main['$type'] = 'video.dreamreel.clip';
export const REMIX: VideoDreamreelRemix.Main['$type'] = 'video.dreamreel.remix';
export const LIKE: VideoDreamreelLike.Main['$type'] = 'video.dreamreel.like';
export const COMMENT: VideoDreamreelComment.Main['$type'] = 'video.dreamreel.comment';
export const CONSENT: VideoDreamreelConsent.Main['$type'] = 'video.dreamreel.consent';
/** Follows are Bluesky's records: one social graph for every AT-Proto app. */
export const FOLLOW = 'app.bsky.graph.follow';
