import { ComAtprotoLabelDefs, ComAtprotoLabelSubscribeLabels } from '@atcute/atproto';
import { decode, decodeFirst, encode, fromBytes } from '@atcute/cbor';
import { getPublicKeyFromDidController, verifySig, type FoundPublicKey } from '@atcute/crypto';
import { getAtprotoLabelerVerificationMaterial, getLabelerEndpoint, type DidDocument } from '@atcute/identity';
import { safeParse } from '@atcute/lexicons/validations';

export type Label = ComAtprotoLabelDefs.Label;

/** What one `subscribeLabels` frame says: labels from `seq`, a notice to ignore, or an error that ends the stream. */
export type LabelFrame = { kind: 'labels'; seq: number; labels: Label[] } | { kind: 'error'; error: string } | null;

/** The values that hide a record or account from everyone (the rest are shown, with the label, for clients to render). */
export const HIDING = ['!takedown', '!hide'] as const;

/** A labeler's stream endpoint and the key its labels are signed with, from its DID document. */
export function labelerOf(doc: DidDocument): { endpoint: string; key: FoundPublicKey } {
	const endpoint = getLabelerEndpoint(doc);
	const material = getAtprotoLabelerVerificationMaterial(doc);
	if (!endpoint || !material) throw new Error(`${doc.id} is not a labeler: no #atproto_labeler service or #atproto_label key`);
	return { endpoint, key: getPublicKeyFromDidController(material) };
}

/** Decodes a frame: a CBOR header `{op, t}` and a CBOR body, the body checked against the lexicon. */
export function decodeLabelFrame(frame: Uint8Array): LabelFrame {
	const [header, rest] = decodeFirst(frame) as [{ op?: unknown; t?: unknown }, Uint8Array];
	const body: unknown = decode(rest);
	if (header.op === -1) return { kind: 'error', error: String((body as { error?: unknown }).error ?? 'unknown') };
	if (header.op !== 1 || header.t !== '#labels') return null;
	const parsed = safeParse(ComAtprotoLabelSubscribeLabels.labelsSchema, body);
	if (!parsed.ok) throw new Error(`bad #labels frame: ${parsed.message}`);
	const { seq } = body as { seq?: unknown };
	if (!Number.isSafeInteger(seq)) throw new Error('bad #labels frame: no seq');
	return { kind: 'labels', seq: seq as number, labels: parsed.value.labels };
}

/** Whether `label` was signed by `key`: the signature is over the label's DAG-CBOR encoding without `sig`. */
export async function verifyLabel(label: Label, key: FoundPublicKey): Promise<boolean> {
	const { sig, ...unsigned } = label;
	if (!sig) return false;
	return verifySig(key, new Uint8Array(fromBytes(sig)), encode(unsigned)).catch(() => false);
}

/**
 * Stores labels of labeler `src` (checked to be theirs by the caller). For each (subject, value) the
 * newest label wins, a negation included, so a replayed older label changes nothing.
 */
export function labelStatements(db: D1Database, labels: Label[]): D1PreparedStatement[] {
	return labels.map((label) =>
		db
			.prepare(
				`INSERT INTO labels (src, uri, cid, val, neg, cts, exp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
				 ON CONFLICT (src, uri, val) DO UPDATE SET cid = excluded.cid, neg = excluded.neg, cts = excluded.cts, exp = excluded.exp
				 WHERE excluded.cts >= labels.cts`,
			)
			.bind(label.src, label.uri, label.cid ?? null, label.val, label.neg ? 1 : 0, normalised(label.cts), label.exp ? normalised(label.exp) : null),
	);
}

/** A labeler dropped from LABELERS no longer speaks here: its labels go (this service's own stay). */
export async function forgetUnfollowedLabels(db: D1Database, followed: string[]): Promise<void> {
	await db.prepare('DELETE FROM labels WHERE src NOT IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(followed)).run();
}

/** UTC ISO, so SQL compares times as text. */
const normalised = (datetime: string) => new Date(datetime).toISOString();
