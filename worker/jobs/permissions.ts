import { clipsByUri, type ClipRow } from '../views/clip-rows.ts';
import { clipView } from '../views/clip-view.ts';
import { consentAllows, remixForbiddenBy, remixPolicyAllows } from '../views/visibility.ts';

/** The parent of a remix, as the index shows it. */
export interface ParentClip {
	uri: string;
	cid: string;
	root: { uri: string; cid: string };
	prompt?: string;
	/** A public MP4 of the parent (the hosted copy, or the PDS's getBlob), for providers that take a source video. */
	mp4?: string;
}

export type Refusal = { error: 'ConsentRequired' | 'RemixNotAllowed' | 'ClipNotFound'; status: 403 | 404; message: string };
export type Permission = { ok: true; parent?: ParentClip } | ({ ok: false } & Refusal);

interface CameoRow {
	did: string;
	handle: string | null;
	allowed: number;
}

interface RemixRow {
	policy: string;
	policy_allows: number;
	blockers: string;
}

/**
 * The rules the read views apply (worker/views/visibility.ts), asked before any provider call: a
 * generation the index would hide once published is refused up front. Returned as a value so the
 * XRPC handler can answer with the declared error and the job object can fail with the same reason.
 */
export async function checkPermissions(db: D1Database, requester: string, cameos: string[], remixOf?: string): Promise<Permission> {
	const others = [...new Set(cameos)].filter((did) => did !== requester);
	if (others.length > 0) {
		const { results } = await db
			.prepare(
				`SELECT j.value AS did, (SELECT handle FROM actors WHERE did = j.value) AS handle, ${consentAllows('j.value', '?1')} AS allowed
				 FROM json_each(?2) AS j`,
			)
			.bind(requester, JSON.stringify(others))
			.all<CameoRow>();
		const refused = results.filter((row) => row.allowed !== 1);
		if (refused.length > 0) {
			return { ok: false, error: 'ConsentRequired', status: 403, message: `no consent for you to feature ${refused.map(name).join(', ')}` };
		}
	}
	if (!remixOf) return { ok: true };

	const [row] = await clipsByUri(db, [remixOf]);
	if (!row) return { ok: false, error: 'ClipNotFound', status: 404, message: `clip not found: ${remixOf}` };
	const remix = await db
		.prepare(
			`SELECT p.remix_policy AS policy, ${remixPolicyAllows('p', '?2')} AS policy_allows,
			   (SELECT json_group_array(COALESCE((SELECT handle FROM actors WHERE did = pc.did), pc.did)) FROM ${remixForbiddenBy('p', '?2')}) AS blockers
			 FROM clips p WHERE p.uri = ?1`,
		)
		.bind(remixOf, requester)
		.first<RemixRow>();
	if (!remix) return { ok: false, error: 'ClipNotFound', status: 404, message: `clip not found: ${remixOf}` };
	if (remix.policy_allows !== 1) {
		return { ok: false, error: 'RemixNotAllowed', status: 403, message: `the clip's remix policy (${remix.policy}) does not include you` };
	}
	const blockers = JSON.parse(remix.blockers) as string[];
	if (blockers.length > 0) {
		const verb = blockers.length === 1 ? 'does' : 'do';
		const who = blockers.join(', ');
		return { ok: false, error: 'RemixNotAllowed', status: 403, message: `${who} ${verb} not allow you to remix clips featuring them` };
	}
	return { ok: true, parent: parentOf(row) };
}

function name(row: CameoRow): string {
	return row.handle ? `${row.handle} (${row.did})` : row.did;
}

function parentOf(row: ClipRow): ParentClip {
	const record = JSON.parse(row.record) as { prompt?: unknown };
	const mp4 = clipView(row).playback.mp4;
	return {
		uri: row.uri,
		cid: row.cid,
		// A clip is its own root; a remix carries its chain's root.
		root: row.root_uri && row.root_cid ? { uri: row.root_uri, cid: row.root_cid } : { uri: row.uri, cid: row.cid },
		...(typeof record.prompt === 'string' && record.prompt ? { prompt: record.prompt } : {}),
		...(mp4 ? { mp4 } : {}),
	};
}
