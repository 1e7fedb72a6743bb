import { ComAtprotoModerationCreateReport } from '@atcute/atproto';
import type { Nsid } from '@atcute/lexicons';
import { XRPCRouter } from '@atcute/xrpc-server';
import type { AppContext } from '../context.ts';
import { errorResponse, XRPCError } from '../errors.ts';
import {
	VideoDreamreelCancelJob,
	VideoDreamreelDeleteLikeness,
	VideoDreamreelExportLikeness,
	VideoDreamreelGetLikeness,
	VideoDreamreelPutLikeness,
	VideoDreamreelDismissJob,
	VideoDreamreelGenerate,
	VideoDreamreelGetCameoClips,
	VideoDreamreelGetJob,
	VideoDreamreelGetMutes,
	VideoDreamreelGetPreferences,
	VideoDreamreelGetTimeline,
	VideoDreamreelGetUnreadCount,
	VideoDreamreelListJobs,
	VideoDreamreelListNotifications,
	VideoDreamreelMuteActor,
	VideoDreamreelPutMutedWords,
	VideoDreamreelPutPreferences,
	VideoDreamreelUnmuteActor,
	VideoDreamreelUpdateSeen,
} from '../lexicons/index.ts';
import type { Method } from './method.ts';
import { describeFeedGenerator } from './app/bsky/feed/describeFeedGenerator.ts';
import { getFeedSkeleton } from './app/bsky/feed/getFeedSkeleton.ts';
import { queryLabels } from './com/atproto/label/queryLabels.ts';
import { createReport } from './com/atproto/moderation/createReport.ts';
import { cancelJob } from './video/dreamreel/cancelJob.ts';
import { deleteLikeness } from './video/dreamreel/deleteLikeness.ts';
import { dismissJob } from './video/dreamreel/dismissJob.ts';
import { exportLikeness } from './video/dreamreel/exportLikeness.ts';
import { getLikeness } from './video/dreamreel/getLikeness.ts';
import { putLikeness } from './video/dreamreel/putLikeness.ts';
import { generate } from './video/dreamreel/generate.ts';
import { getAuthorFeed } from './video/dreamreel/getAuthorFeed.ts';
import { getCameoClips } from './video/dreamreel/getCameoClips.ts';
import { getClip } from './video/dreamreel/getClip.ts';
import { getClips } from './video/dreamreel/getClips.ts';
import { getComments } from './video/dreamreel/getComments.ts';
import { getConsent } from './video/dreamreel/getConsent.ts';
import { getForYou } from './video/dreamreel/getForYou.ts';
import { getJob } from './video/dreamreel/getJob.ts';
import { getLineage } from './video/dreamreel/getLineage.ts';
import { getRemixes } from './video/dreamreel/getRemixes.ts';
import { getMutes } from './video/dreamreel/getMutes.ts';
import { getPreferences } from './video/dreamreel/getPreferences.ts';
import { getTimeline } from './video/dreamreel/getTimeline.ts';
import { getUnreadCount } from './video/dreamreel/getUnreadCount.ts';
import { listJobs } from './video/dreamreel/listJobs.ts';
import { listNotifications } from './video/dreamreel/listNotifications.ts';
import { muteActor } from './video/dreamreel/muteActor.ts';
import { putMutedWords } from './video/dreamreel/putMutedWords.ts';
import { putPreferences } from './video/dreamreel/putPreferences.ts';
import { searchActors } from './video/dreamreel/searchActors.ts';
import { searchClips } from './video/dreamreel/searchClips.ts';
import { unmuteActor } from './video/dreamreel/unmuteActor.ts';
import { updateSeen } from './video/dreamreel/updateSeen.ts';

/**
 * Methods only for a signed-in caller. Their credentials are checked before their params or input,
 * as the reference XRPC server does: an unauthenticated caller learns nothing from validation.
 */
const signedInOnly = new Set<string>([
	VideoDreamreelGenerate, VideoDreamreelGetJob, VideoDreamreelCancelJob, VideoDreamreelListJobs, VideoDreamreelDismissJob,
	VideoDreamreelGetTimeline, VideoDreamreelGetCameoClips,
	VideoDreamreelListNotifications, VideoDreamreelGetUnreadCount, VideoDreamreelUpdateSeen,
	VideoDreamreelMuteActor, VideoDreamreelUnmuteActor, VideoDreamreelGetMutes, VideoDreamreelPutMutedWords,
	VideoDreamreelGetPreferences, VideoDreamreelPutPreferences,
	VideoDreamreelPutLikeness, VideoDreamreelGetLikeness, VideoDreamreelExportLikeness, VideoDreamreelDeleteLikeness,
	ComAtprotoModerationCreateReport,
].map((method) => method.mainSchema.nsid));

const methods: Method[] = [
	describeFeedGenerator,
	getFeedSkeleton,
	getAuthorFeed, getCameoClips, getClip, getClips, getComments, getConsent, getForYou, getLineage, getRemixes, getTimeline,
	searchClips, searchActors, listNotifications, getUnreadCount, updateSeen,
	generate, getJob, cancelJob, listJobs, dismissJob,
	muteActor, unmuteActor, getMutes, putMutedWords, getPreferences, putPreferences,
	putLikeness, getLikeness, exportLikeness, deleteLikeness,
	createReport, queryLabels];

/** Unknown methods answer 501, as the XRPC spec asks, rather than a bare 404. */
function methodNotImplemented(request: Request): Response {
	const nsid = new URL(request.url).pathname.slice('/xrpc/'.length);
	return new XRPCError({ status: 501, error: 'MethodNotImplemented', message: `method not implemented: ${nsid}` }).toResponse();
}

export function createXrpcRouter(app: AppContext): XRPCRouter {
	const router = new XRPCRouter({
		middlewares: [
			async (request, next) => {
				const nsid = new URL(request.url).pathname.slice('/xrpc/'.length) as Nsid;
				if (signedInOnly.has(nsid)) {
					try {
						await app.auth.requireViewer(request, nsid);
					} catch (error) {
						return errorResponse(error, request);
					}
				}
				return next(request);
			},
		],
		handleNotFound: methodNotImplemented,
		handleException: errorResponse,
		handleHealthCheck: async () =>
			Response.json({
				version: app.config.version,
				ingest: await app.ingester().status(),
				mirrorPending: await app.mirror().pending(),
				labelers: await Promise.all(app.config.labelers.map((did) => app.labeler(did).status())),
			}),
	});
	for (const method of methods) method(router, app);
	return router;
}
