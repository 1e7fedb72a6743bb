import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetCameoClips } from '../../../lexicons/index.ts';
import { clipsFeaturing } from '../../../views/clip-rows.ts';
import { clipViews, withheldClipView } from '../../../views/clip-view.ts';
import { decodeCursor, nextCursor } from '../../../views/cursor.ts';
import { jobsInFlight } from '../../../likeness/jobs-view.ts';
import type { Method } from '../../method.ts';

type CameoClip = VideoDreamreelGetCameoClips.CameoClip;

/**
 * The requester's own view of the clips that feature them: hidden ones too (nobody else sees those),
 * with the rule that hides each, so they can tell what their consent does; and, on the first page,
 * the jobs featuring them still running, which revoking their consent would stop.
 */
export const getCameoClips: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetCameoClips, {
		async handler({ params, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelGetCameoClips.mainSchema.nsid);
			const limit = params.limit ?? 50;
			const rows = await clipsFeaturing(app.db, viewer, limit, decodeCursor(params.cursor));
			const views = await clipViews(app.db, rows, viewer);
			const clips = rows.map((row, i): CameoClip => {
				const reason = row.hidden_reason;
				return reason === null
					? { clip: views[i]!, state: 'shown' }
					: { clip: withheldClipView(views[i]!, reason === 'authorInactive'), state: 'hidden', reason };
			});
			const jobs = params.cursor === undefined ? { jobs: await jobsInFlight(app.jobs(), viewer) } : {};
			return json({ clips, cursor: nextCursor(rows, limit), ...jobs });
		},
	});
