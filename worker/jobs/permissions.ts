import { clipsByUri, type ClipRow } from '../views/clip-rows.ts';
import { clipView } from '../views/clip-view.ts';
import { blockedBetween, consentAllows, remixRefusalsOf } from '../views/visibility.ts';
import { storedRecord } from '../ingest/records.ts';
import { CLIP, REMIX } from '../nsid.ts';

/** The parent of a remix, as the index shows it. */
export interface ParentClip {
	uri: string;
	cid: string;
	root: { uri: string; cid: string };
	prompt?: string;
	/** A public MP4 of the parent (the hosted copy, or the PDS's getBlob), for providers that take a source video. */
	mp4?: string;
}

export type Refusal = { error: 'ConsentRequired' | 'Blocked' | 'RemixNotAllowed' | 'ClipNotFound'; status: 403 | 404; message: string };
export type Permission = { ok: true; parent?: ParentClip } | ({ ok: false } & Refusal);

interface CameoRow {
	did: string;
	handle: string | null;
	allowed: number;
	blocked: number;
}

interface RefusalRow {
	kind: 'block' | 'policy' | 'consent';
	who: string;
	handle: string | null;
	policy: string | null;
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
				`SELECT j.value AS did, (SELECT handle FROM actors WHERE did = j.value) AS handle, ${consentAllows('j.value', '?1')} AS allowed,
				   ${blockedBetween('j.value', '?1')} AS blocked
				 FROM json_each(?2) AS j`,
			)
			.bind(requester, JSON.stringify(others))
			.all<CameoRow>();
		const blocked = results.filter((row) => row.blocked === 1);
		if (blocked.length > 0) return { ok: false, error: 'Blocked', status: 403, message: `you and ${blocked.map(name).join(', ')} block each other` };
		const refused = results.filter((row) => row.allowed !== 1);
		if (refused.length > 0) {
			return { ok: false, error: 'ConsentRequired', status: 403, message: `no consent for you to feature ${refused.map(name).join(', ')}` };
		}
	}
	if (!remixOf) return { ok: true };

	const [row] = await clipsByUri(db, [remixOf]);
	if (!row) return { ok: false, error: 'ClipNotFound', status: 404, message: `clip not found: ${remixOf}` };
	const { results: refusals } = await db
		.prepare(`SELECT r.kind, r.who, r.policy, (SELECT handle FROM actors WHERE did = r.who) AS handle FROM (${remixRefusalsOf('?1', '?2')}) r`)
		.bind(remixOf, requester)
		.all<RefusalRow>();
	const block = refusals.find((refusal) => refusal.kind === 'block');
	if (block) return { ok: false, error: 'Blocked', status: 403, message: `you and ${block.handle ?? block.who}, whose clip or likeness this remixes, block each other` };
	const policy = refusals.find((refusal) => refusal.kind === 'policy');
	if (policy) {
		const whose = policy.who === row.did ? "the clip's remix policy" : `the remix policy of ${policy.handle ?? policy.who}'s clip up its remix chain`;
		return { ok: false, error: 'RemixNotAllowed', status: 403, message: `${whose} (${policy.policy}) does not include you` };
	}
	const blockers = [...new Set(refusals.filter((refusal) => refusal.kind === 'consent').map((refusal) => refusal.handle ?? refusal.who))];
	if (blockers.length > 0) {
		const verb = blockers.length === 1 ? 'does' : 'do';
		return { ok: false, error: 'RemixNotAllowed', status: 403, message: `${blockers.join(', ')} ${verb} not allow you to remix clips featuring them` };
	}
	return { ok: true, parent: parentOf(row) };
}

function name(row: CameoRow): string {
	return row.handle ? `${row.handle} (${row.did})` : row.did;
}

function parentOf(row: ClipRow): ParentClip {
	const { prompt } = storedRecord([CLIP, REMIX], row.record);
	const mp4 = clipView(row).playback.mp4;
	return {
		uri: row.uri,
		cid: row.cid,
		// A clip is its own root; a remix carries its chain's root.
		root: row.root_uri && row.root_cid ? { uri: row.root_uri, cid: row.root_cid } : { uri: row.uri, cid: row.cid },
		...(prompt ? { prompt } : {}),
		...(mp4 ? { mp4 } : {}),
	};
}
