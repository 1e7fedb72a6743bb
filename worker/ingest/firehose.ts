/**
 * Decoder for `com.atproto.sync.subscribeRepos` binary frames: a DAG-CBOR header `{op, t}` followed
 * by a DAG-CBOR body. Only record blocks of wanted collections are ever decoded, because most of the
 * network's traffic is app.bsky.* that Dreamreel drops.
 */
import { fromUint8Array } from '@atcute/car';
import { BytesWrapper, CidLinkWrapper, decode, decodeFirst } from '@atcute/cbor';
import { isDid, isNsid, isRecordKey } from '@atcute/lexicons/syntax';

import type { CollectionFilter, CommitEvent, NetworkEvent, RecordOp } from './events.ts';

/** An `op: -1` frame: the server reports an error (`FutureCursor`, `ConsumerTooSlow`) and closes. */
export type FirehoseError = { kind: 'error'; error: string; message?: string };

/**
 * What one frame decodes to: an event, a server error, or `null` for frames to ignore (`#info`,
 * unknown `t` or `op`), as the spec asks consumers to ignore what they do not know.
 */
export type FirehoseMessage = NetworkEvent | FirehoseError | null;

/** Thrown for a frame that cannot be trusted; the caller should drop the connection. */
export class FirehoseFrameError extends Error {
	override name = 'FirehoseFrameError';
	/** The frame's `seq` when it could be read, so a caller can skip a frame that keeps failing. */
	readonly seq: number | undefined;

	constructor(message: string, seq?: number, options?: ErrorOptions) {
		super(message, options);
		this.seq = seq;
	}
}

type Obj = Record<string, unknown>;
type RecordWrite = Extract<RecordOp, { action: 'create' | 'update' }>;
/** A create/update op whose record still has to be read from the commit's blocks. */
type Pending = { op: RecordWrite; cid: Uint8Array };

/**
 * Decodes one frame. `wanted` is asked about each op's collection before its record block is
 * looked at. Throws {@link FirehoseFrameError} on bad CBOR, a bad CAR slice or a body of the wrong
 * shape.
 */
export function decodeFirehoseFrame(frame: Uint8Array, wanted: CollectionFilter): FirehoseMessage {
	let header: unknown;
	let body: unknown;
	try {
		const [first, rest] = decodeFirst(frame);
		header = first;
		body = decode(rest);
	} catch (err) {
		throw new FirehoseFrameError(`firehose frame is not two CBOR values: ${errorText(err)}`, undefined, { cause: err });
	}
	if (!isObj(header) || !isObj(body)) {
		throw new FirehoseFrameError('firehose frame header and body must be CBOR maps');
	}
	try {
		if (header.op === -1) {
			const message = optStr(body, 'message');
			return { kind: 'error', error: str(body, 'error'), ...(message === undefined ? {} : { message }) };
		}
		if (header.op !== 1) return null;
		switch (header.t) {
			case '#commit':
				return decodeCommit(body, wanted);
			case '#sync':
				return { kind: 'sync', cursor: seq(body), did: did(body, 'did'), rev: str(body, 'rev') };
			// Absent optional fields are left out rather than set to undefined, as in Jetstream's JSON.
			case '#identity': {
				const handle = optStr(body, 'handle');
				return { kind: 'identity', cursor: seq(body), did: did(body, 'did'), ...(handle === undefined ? {} : { handle }) };
			}
			case '#account': {
				if (typeof body.active !== 'boolean') throw new Error('"active" must be a boolean');
				const status = optStr(body, 'status');
				return {
					kind: 'account',
					cursor: seq(body),
					did: did(body, 'did'),
					active: body.active,
					...(status === undefined ? {} : { status }),
				};
			}
			default:
				return null;
		}
	} catch (err) {
		const at = Number.isSafeInteger(body.seq) ? (body.seq as number) : undefined;
		const where = `firehose ${String(header.t ?? `op ${String(header.op)}`)} frame${at === undefined ? '' : ` seq ${at}`}`;
		throw new FirehoseFrameError(`${where}: ${errorText(err)}`, at, { cause: err });
	}
}

function decodeCommit(body: Obj, wanted: CollectionFilter): NetworkEvent {
	const repo = did(body, 'repo');
	if (!Array.isArray(body.ops)) throw new Error('"ops" must be an array');
	const ops: RecordOp[] = [];
	// Ops whose record must be read from `blocks`; stays empty for the common all-filtered commit.
	const pending: Pending[] = [];
	for (const raw of body.ops as unknown[]) {
		if (!isObj(raw)) throw new Error('each op must be a map');
		const path = str(raw, 'path');
		const slash = path.indexOf('/');
		if (slash < 0) throw new Error(`op path "${path}" has no "/"`);
		const collection = path.slice(0, slash);
		if (!wanted(collection)) continue;
		const rkey = path.slice(slash + 1);
		if (!isNsid(collection) || !isRecordKey(rkey)) throw new Error(`op path "${path}" is not <nsid>/<rkey>`);
		const uri = `at://${repo}/${path}`;
		const action = raw.action;
		if (action === 'delete') {
			ops.push({ action, uri, collection, rkey });
		} else if (action === 'create' || action === 'update') {
			if (!(raw.cid instanceof CidLinkWrapper)) throw new Error(`${action} op ${path} has no cid`);
			const op: RecordWrite = { action, uri, collection, rkey, cid: raw.cid.$link, record: undefined };
			ops.push(op);
			pending.push({ op, cid: raw.cid.bytes });
		}
		// Other actions are skipped: the lexicon lists them as known values, not a closed enum.
	}
	if (pending.length > 0) readRecords(body.blocks, pending);
	const event: CommitEvent = { kind: 'commit', cursor: seq(body), did: repo, rev: str(body, 'rev'), ops };
	// Kept only for commits that matter here: most of a relay's commits are dropped unread.
	if (ops.length > 0 && body.commit instanceof CidLinkWrapper && body.blocks instanceof BytesWrapper) {
		event.proof = { commit: body.commit.$link, blocks: body.blocks.buf };
	}
	return event;
}

/** Finds each pending op's block in the commit's CAR slice and decodes it to the JSON form. */
function readRecords(blocks: unknown, pending: Pending[]): void {
	if (!(blocks instanceof BytesWrapper)) throw new Error('"blocks" must be bytes');
	let left = pending.length;
	for (const entry of fromUint8Array(blocks.buf)) {
		for (const p of pending) {
			if (p.op.record !== undefined || !sameBytes(p.cid, entry.cid.bytes)) continue;
			const record: unknown = decode(entry.bytes);
			if (!isObj(record)) throw new Error(`record ${p.op.uri} is not a map`);
			p.op.record = toJsonForm(record);
			left--;
		}
		if (left === 0) return;
	}
	const missing = pending.find((p) => p.op.record === undefined);
	throw new Error(`record block for ${missing?.op.uri} is missing from "blocks"`);
}

/**
 * Swaps the decoder's lazy CID-link and bytes wrappers for their own `toJSON()` form, in place (the
 * tree was just decoded and nobody else holds it), so records equal what Jetstream would carry.
 */
function toJsonForm(value: unknown): unknown {
	if (typeof value !== 'object' || value === null) return value;
	if (value instanceof CidLinkWrapper || value instanceof BytesWrapper) return value.toJSON();
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) value[i] = toJsonForm(value[i]);
		return value;
	}
	const obj = value as Obj;
	for (const key of Object.keys(obj)) obj[key] = toJsonForm(obj[key]);
	return obj;
}

// Decoded CBOR maps are plain objects; CID links and bytes are class instances, excluded here.
function isObj(value: unknown): value is Obj {
	return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

function str(obj: Obj, key: string): string {
	const value = obj[key];
	if (typeof value !== 'string') throw new Error(`"${key}" must be a string`);
	return value;
}

function optStr(obj: Obj, key: string): string | undefined {
	const value = obj[key];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw new Error(`"${key}" must be a string when present`);
	return value;
}

function did(obj: Obj, key: string): string {
	const value = obj[key];
	if (!isDid(value)) throw new Error(`"${key}" must be a DID`);
	return value;
}

function seq(obj: Obj): number {
	const value = obj.seq;
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
		throw new Error('"seq" must be a non-negative integer');
	return value;
}

function errorText(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}
