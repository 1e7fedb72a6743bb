// The API's shapes, from the types generated out of `lexicons/` (type-only: nothing reaches the bundle).
import type {
	VideoDreamreelClip,
	VideoDreamreelConsent,
	VideoDreamreelDefs,
	VideoDreamreelGetCameoClips,
	VideoDreamreelGetComments,
	VideoDreamreelGetConsent,
	VideoDreamreelGetForYou,
	VideoDreamreelGetLikeness,
	VideoDreamreelGetLineage,
	VideoDreamreelGenerate,
	VideoDreamreelListNotifications,
	VideoDreamreelRemix,
	VideoDreamreelSearchActors,
} from '../../worker/lexicons/index.ts';

export type ClipView = VideoDreamreelDefs.ClipView;
export type CommentView = VideoDreamreelDefs.CommentView;
export type JobView = VideoDreamreelDefs.JobView;
export type LineageNode = VideoDreamreelDefs.LineageNode;
export type NotFoundClip = VideoDreamreelDefs.NotFoundClip;
export type ProfileViewBasic = VideoDreamreelDefs.ProfileViewBasic;
/** Every feed query answers with this shape. */
export type ClipPage = VideoDreamreelGetForYou.$output;
export type CommentPage = VideoDreamreelGetComments.$output;
export type CameoClip = VideoDreamreelGetCameoClips.CameoClip;
export type CameoClipPage = VideoDreamreelGetCameoClips.$output;
export type ConsentAnswer = VideoDreamreelGetConsent.$output;
export type Lineage = VideoDreamreelGetLineage.$output;
export type GenerateInput = VideoDreamreelGenerate.$input;
export type NotificationPage = VideoDreamreelListNotifications.$output;
export type Notification = VideoDreamreelListNotifications.Notification;
export type ActorList = VideoDreamreelSearchActors.$output;
export type ConsentRecord = VideoDreamreelConsent.Main;
export type LikenessState = VideoDreamreelGetLikeness.$output;
export type LikenessView = VideoDreamreelGetLikeness.LikenessView;
export type Audience = ConsentRecord['audience'];
/** A clip or a remix record, as `clipScreen.record` carries it. */
export type ClipRecord = Omit<VideoDreamreelClip.Main, '$type'> &
	Partial<Pick<VideoDreamreelRemix.Main, 'parent' | 'root'>> & { $type?: string };

export function recordOf(clip: ClipView): ClipRecord {
	return clip.record as ClipRecord;
}

/** Self-labels on a record (`com.atproto.label.defs#selfLabels`). */
export function labelsOf(clip: ClipView): string[] {
	const labels = recordOf(clip).labels as { values?: { val?: unknown }[] } | undefined;
	return (labels?.values ?? []).flatMap((label) => (typeof label.val === 'string' ? [label.val] : []));
}
