import type { NetworkEvent } from './events.ts';
import { decodeFirehoseFrame, FirehoseFrameError } from './firehose.ts';
import { decodeJetstreamMessage, JetstreamMessageError, jetstreamUrl } from './jetstream.ts';
import { isIndexed } from './records.ts';
import { BLOCK, CLIP, FOLLOW, LISTBLOCK, LISTITEM, POST, PROFILE } from '../nsid.ts';

/**
 * What one frame gave: events; a failure of the source itself (`fatal`: reconnect); or a frame that
 * could not be decoded (`rejected`: kept with its reason and skipped, never a reason to reconnect).
 */
export type Decoded = { events: NetworkEvent[] } | { fatal: string } | { rejected: string; cursor?: number; did?: string };

/** A network stream: where to connect for a cursor, and how to read its messages. */
export interface Source {
	kind: 'firehose' | 'jetstream';
	/** A firehose read straight from a PDS speaks only for the repos hosted there: that PDS's URL. */
	pdsUrl?: string;
	url(cursor: number | undefined): string;
	decode(data: ArrayBuffer | string): Decoded;
}

/** Jetstream's own filter syntax: our namespace plus the parts of the social graph we keep. */
const WANTED_COLLECTIONS = [`${CLIP.slice(0, CLIP.lastIndexOf('.'))}.*`, FOLLOW, PROFILE, POST, BLOCK, LISTBLOCK, LISTITEM];
/** Jetstream cursors are per instance; rewinding a few seconds covers the gap, idempotency the overlap. */
const JETSTREAM_REWIND_US = 5_000_000;

/**
 * `jetstream+wss://host` selects Jetstream; `relay+wss://host` a relay's firehose (any repo, each commit
 * verified); any other ws(s) URL is one PDS's firehose (only the repos it hosts, each commit verified).
 */
export function sourceFor(streamUrl: string): Source {
	if (streamUrl.startsWith('jetstream+')) {
		const base = streamUrl.slice('jetstream+'.length);
		return {
			kind: 'jetstream',
			url: (cursor) => jetstreamUrl(base, WANTED_COLLECTIONS, cursor === undefined ? undefined : Math.max(0, cursor - JETSTREAM_REWIND_US)),
			decode: (data) => {
				try {
					const event = decodeJetstreamMessage(typeof data === 'string' ? data : new TextDecoder().decode(data), isIndexed);
					return { events: event ? [event] : [] };
				} catch (error) {
					if (!(error instanceof JetstreamMessageError)) throw error;
					return { rejected: error.message, ...(error.cursor === undefined ? {} : { cursor: error.cursor }), ...(error.did ? { did: error.did } : {}) };
				}
			},
		};
	}
	const relay = streamUrl.startsWith('relay+');
	const base = (relay ? streamUrl.slice('relay+'.length) : streamUrl).replace(/\/$/, '');
	return {
		kind: 'firehose',
		...(relay ? {} : { pdsUrl: base.replace(/^ws/, 'http') }),
		// A new index replays the whole stream the PDS or relay still holds.
		url: (cursor) => `${base}/xrpc/com.atproto.sync.subscribeRepos?cursor=${cursor ?? 0}`,
		decode: (data) => {
			if (typeof data === 'string') return { rejected: 'text frame on a binary stream' };
			try {
				const message = decodeFirehoseFrame(new Uint8Array(data), isIndexed);
				if (message === null) return { events: [] };
				if (message.kind === 'error') return { fatal: `${message.error}: ${message.message ?? ''}` };
				return { events: [message] };
			} catch (error) {
				// Its seq, when readable, moves the cursor past it: a reconnect does not read it (and count it) again.
				if (error instanceof FirehoseFrameError) return { rejected: error.message, ...(error.seq === undefined ? {} : { cursor: error.seq }) };
				throw error;
			}
		},
	};
}
