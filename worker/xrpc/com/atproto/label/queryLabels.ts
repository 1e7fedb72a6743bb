import { ComAtprotoLabelQueryLabels } from '@atcute/atproto';
import { InvalidRequestError, json } from '@atcute/xrpc-server';
import { ownLabels } from '../../../../moderation/own-labels.ts';
import type { Method } from '../../../method.ts';

const MAX_PATTERNS = 50;

/** The labels this service issued (it is a labeler when it has a signing key), signed, oldest first. */
export const queryLabels: Method = (router, app) =>
	router.addQuery(ComAtprotoLabelQueryLabels, {
		async handler({ params }) {
			const cursor = params.cursor === undefined ? 0 : Number(params.cursor);
			if (!Number.isSafeInteger(cursor) || cursor < 0) throw new InvalidRequestError({ message: 'invalid cursor' });
			if (params.uriPatterns.length > MAX_PATTERNS) throw new InvalidRequestError({ message: `at most ${MAX_PATTERNS} uriPatterns` });
			if (params.uriPatterns.some((pattern) => pattern.indexOf('*') !== -1 && pattern.indexOf('*') !== pattern.length - 1)) {
				throw new InvalidRequestError({ message: 'a uriPattern may only end in *' });
			}
			const labeler = await app.ownLabeler();
			if (!labeler || (params.sources && !params.sources.some((source) => source === labeler.did))) return json({ labels: [] });
			return json(await ownLabels(app.db, labeler.did, params.uriPatterns, params.limit ?? 50, cursor));
		},
	});
