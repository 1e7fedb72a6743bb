import type { ComAtprotoLabelDefs } from '@atcute/atproto';
import { encode, toBytes } from '@atcute/cbor';
import { P256PrivateKeyExportable, parsePrivateMultikey, Secp256k1PrivateKeyExportable, type PrivateKeyExportable } from '@atcute/crypto';
import { labelStatements } from './labels.ts';

type Label = ComAtprotoLabelDefs.Label;

/** This service as a labeler: its DID and the key its labels are signed with (`#atproto_label`). */
export interface OwnLabeler {
	did: string;
	key: PrivateKeyExportable;
}

/** The signing key from its private multikey (`LABEL_SIGNING_KEY`, secp256k1 or P-256). */
export async function labelKey(multikey: string): Promise<PrivateKeyExportable> {
	const { type, privateKeyBytes } = parsePrivateMultikey(multikey);
	return type === 'p256' ? P256PrivateKeyExportable.importRaw(privateKeyBytes) : Secp256k1PrivateKeyExportable.importRaw(privateKeyBytes);
}

export interface OwnLabelRow {
	seq: number;
	uri: string;
	cid: string | null;
	val: string;
	neg: number;
	cts: string;
	sig: ArrayBuffer | number[];
}

/** How many labels one run issues: the cron comes back a minute later for the rest. */
const BATCH = 200;

/**
 * Labels `ai-generated` every indexed clip whose video one of our own jobs produced (matched by the
 * video's CID), once: the label holds even when the publishing client leaves out the self-label.
 */
export async function issueAiLabels(db: D1Database, labeler: OwnLabeler, now = new Date()): Promise<number> {
	const { results } = await db
		.prepare(
			`SELECT c.uri, c.cid FROM clip_index c JOIN generated_videos g ON g.cid = c.video_cid
			 WHERE c.deleted = 0 AND NOT EXISTS (SELECT 1 FROM own_labels o WHERE o.uri = c.uri AND o.val = 'ai-generated')
			 ORDER BY c.indexed_at LIMIT ?1`,
		)
		.bind(BATCH)
		.all<{ uri: string; cid: string }>();
	const cts = now.toISOString();
	const statements = await Promise.all(
		results.map(async ({ uri, cid }) => {
			const label = unsigned(labeler.did, { uri, cid, val: 'ai-generated', neg: false, cts });
			const sig = await labeler.key.sign(encode(label));
			// Kept for the labeler's stream, and beside other labelers' labels, so views carry it.
			return [db.prepare('INSERT INTO own_labels (uri, cid, val, neg, cts, sig) VALUES (?1, ?2, ?3, 0, ?4, ?5)').bind(uri, cid, 'ai-generated', cts, sig), ...labelStatements(db, [label])];
		}),
	);
	if (statements.length > 0) await db.batch(statements.flat());
	return statements.length;
}

/** The label as signed: exactly these fields, `neg` only when true (as the reference labelers do). */
function unsigned(src: string, { uri, cid, val, neg, cts }: { uri: string; cid: string | null; val: string; neg: boolean; cts: string }): Label {
	return { ver: 1, src, uri, ...(cid ? { cid } : {}), val, ...(neg ? { neg: true } : {}), cts } as Label;
}

/**
 * Our labels after `cursor` (a seq) whose subject matches one of `patterns` (exact, or a prefix
 * ending in `*`), oldest first.
 */
export async function ownLabels(db: D1Database, src: string, patterns: string[], limit: number, cursor = 0): Promise<{ labels: Label[]; cursor?: string }> {
	const exact = patterns.filter((pattern) => !pattern.endsWith('*'));
	const prefixes = patterns.filter((pattern) => pattern.endsWith('*')).map((pattern) => pattern.slice(0, -1));
	const { results } = await db
		.prepare(
			`SELECT seq, uri, cid, val, neg, cts, sig FROM own_labels o WHERE seq > ?1
			   AND (uri IN (SELECT value FROM json_each(?2)) OR EXISTS (SELECT 1 FROM json_each(?3) p WHERE substr(o.uri, 1, length(p.value)) = p.value))
			 ORDER BY seq LIMIT ?4`,
		)
		.bind(cursor, JSON.stringify(exact), JSON.stringify(prefixes), limit)
		.all<OwnLabelRow>();
	const last = results.at(-1);
	return { labels: results.map((row) => signedLabel(src, row)), ...(results.length === limit && last ? { cursor: String(last.seq) } : {}) };
}

/** A stored label with its signature, as com.atproto.label.defs#label. */
export function signedLabel(src: string, row: OwnLabelRow): Label {
	return { ...unsigned(src, { ...row, neg: row.neg === 1 }), sig: toBytes(new Uint8Array(row.sig)) };
}
