import { json } from '@atcute/xrpc-server';
import { VideoDreamreelGetConsent, type VideoDreamreelDefs } from '../../../lexicons/index.ts';
import { resolveIndexedActor } from '../../../views/actors.ts';
import { profileView, type AuthorColumns } from '../../../views/profile-view.ts';
import { consentAllows } from '../../../views/visibility.ts';
import type { Method } from '../../method.ts';
import { storedRecord } from '../../../ingest/records.ts';
import { CONSENT } from '../../../nsid.ts';

interface ConsentRow extends AuthorColumns {
	uri: string | null;
	cid: string | null;
	record: string | null;
	allows_viewer: number;
}

export const getConsent: Method = (router, app) =>
	router.addQuery(VideoDreamreelGetConsent, {
		async handler({ params, request }) {
			const viewer = await app.auth.optionalViewer(request, VideoDreamreelGetConsent.mainSchema.nsid);
			const did = await resolveIndexedActor(app.db, app.identity.actors, params.actor);
			const row = await app.db
				.prepare(
					`SELECT k.uri, k.cid, k.record, a.did, a.handle, a.display_name, a.avatar_cid, a.pds, (?2 IS NOT NULL AND (?2 = ?1 OR ${consentAllows('?1', '?2')})) AS allows_viewer
					 FROM actors a LEFT JOIN consents k ON k.did = a.did WHERE a.did = ?1`,
				)
				.bind(did, viewer ?? null)
				.first<ConsentRow>();
			const record = row?.record ? storedRecord(CONSENT, row.record) : undefined;
			return json({
				// The person as every view shows them: name and avatar included.
				actor: profileView(row ?? { did, handle: null, display_name: null }),
				...(row?.uri && row.cid && record
					? {
							consent: {
								uri: row.uri as VideoDreamreelDefs.ConsentView['uri'],
								cid: row.cid,
								audience: record.audience,
								allowRemix: record.allowRemix ?? true,
								createdAt: record.createdAt,
								...(record.allowed ? { allowed: record.allowed } : {}),
								...(record.restrictions ? { restrictions: record.restrictions } : {}),
								...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
							},
						}
					: {}),
				allowsViewer: row?.allows_viewer === 1,
			});
		},
	});
