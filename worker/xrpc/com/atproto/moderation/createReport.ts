import { ComAtprotoModerationCreateReport } from '@atcute/atproto';
import { json, XRPCError } from '@atcute/xrpc-server';
import { forwardingDeps, forwardReports } from '../../../../moderation/forward.ts';
import { fileReport } from '../../../../moderation/reports.ts';
import type { Method } from '../../../method.ts';

/**
 * Reports of clips, remixes, comments and accounts: kept, limited per reporter, and forwarded to the
 * deployment's moderation service when one is configured (a failed forward is retried by the cron).
 */
export const createReport: Method = (router, app) =>
	router.addProcedure(ComAtprotoModerationCreateReport, {
		async handler({ input, request }) {
			const reporter = await app.auth.requireViewer(request, ComAtprotoModerationCreateReport.mainSchema.nsid);
			const report = await fileReport(app.db, reporter, input, app.config.reportsPerHour);
			if (!report) {
				throw new XRPCError({ status: 429, error: 'RateLimitExceeded', message: `at most ${app.config.reportsPerHour} reports an hour`, headers: { 'retry-after': '3600' } });
			}
			if (app.config.moderation) await forwardReports(forwardingDeps(app), app.config.moderation, report.id);
			return json(report);
		},
	});
