import { safeParse } from '@atcute/lexicons/validations';
import { describe, expect, it } from 'vitest';

import {
	accountFrame,
	blobRef,
	commitFrame,
	errorFrame,
	frame,
	identityFrame,
	infoFrame,
	recordCid,
	syncFrame,
} from '../../fixtures/frames.ts';
import type { CollectionFilter } from '../../../worker/ingest/events.ts';
import { decodeFirehoseFrame, FirehoseFrameError } from '../../../worker/ingest/firehose.ts';
import { decodeJetstreamMessage, jetstreamUrl } from '../../../worker/ingest/jetstream.ts';
import { sourceFor } from '../../../worker/ingest/source.ts';
import { VideoDreamreelClip } from '../../../worker/lexicons/index.ts';

const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const CLIP = 'video.dreamreel.clip';
const clipsOnly: CollectionFilter = (collection) => collection.startsWith('video.dreamreel.');
const everything: CollectionFilter = () => true;

async function clipRecord() {
	return {
		$type: CLIP,
		video: await blobRef('an mp4', 'video/mp4'),
		caption: 'a cat, dreaming ✨',
		durationMs: 8000,
		cameos: [DID],
		tags: ['cats'],
		// Not in the lexicon; here to show bytes and bare links survive the trip.
		extra: { raw: { $bytes: 'AQIDBA' }, link: { $link: await recordCid({ a: 1 }) } },
		createdAt: '2026-11-25T12:00:00.000Z',
	};
}

const like = {
	$type: 'app.bsky.feed.like',
	subject: { uri: `at://${DID}/app.bsky.feed.post/3k`, cid: 'x' },
	createdAt: '2026-11-25T12:00:00.000Z',
};

describe('decodeFirehoseFrame', () => {
	it('keeps a record key named __proto__ an own field: it never becomes the record\'s prototype', async () => {
		const record = { ...(await clipRecord()), ...JSON.parse('{"__proto__": {"cameos": [], "hidden": "from JSON"}}') };
		const bytes = await commitFrame({ seq: 7, did: DID, rev: '3mmoojp7vgo2h', ops: [{ action: 'create', collection: CLIP, rkey: '3mmoojp7etg2h', record }] });
		const event = decodeFirehoseFrame(bytes, clipsOnly);
		const decoded = (event as { ops: { record: Record<string, unknown> }[] }).ops[0]!.record;
		expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
		expect(decoded.hidden).toBeUndefined();
		expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
	});

	it('decodes a #commit create into the JSON form of the record with its real CID', async () => {
		const record = await clipRecord();
		const bytes = await commitFrame({
			seq: 42,
			did: DID,
			rev: '3mmoojp7vgo2g',
			ops: [{ action: 'create', collection: CLIP, rkey: '3mmoojp7etg2g', record }],
		});

		const event = decodeFirehoseFrame(bytes, clipsOnly);

		expect(event).toEqual({
			kind: 'commit',
			cursor: 42,
			did: DID,
			rev: '3mmoojp7vgo2g',
			ops: [
				{
					action: 'create',
					uri: `at://${DID}/${CLIP}/3mmoojp7etg2g`,
					collection: CLIP,
					rkey: '3mmoojp7etg2g',
					cid: await recordCid(record),
					record,
				},
			],
			// What verification needs (worker/ingest/verify-commit.ts): the commit and its CAR slice.
			proof: { commit: expect.stringMatching(/^bafyrei/), blocks: expect.any(Uint8Array) },
		});
		// Plain JSON data all the way down: no CID/bytes wrapper objects survive in the record.
		const { ops } = event as { ops: unknown[] };
		expect(JSON.parse(JSON.stringify(ops))).toStrictEqual(ops);
	});

	it('decodes update and delete ops; deletes carry no record', async () => {
		const record = await clipRecord();
		const bytes = await commitFrame({
			seq: 7,
			did: DID,
			rev: 'r2',
			ops: [
				{ action: 'update', collection: CLIP, rkey: 'a', record },
				{ action: 'delete', collection: CLIP, rkey: 'b' },
			],
		});

		const event = decodeFirehoseFrame(bytes, clipsOnly);

		expect(event?.kind === 'commit' && event.ops).toEqual([
			{ action: 'update', uri: `at://${DID}/${CLIP}/a`, collection: CLIP, rkey: 'a', cid: await recordCid(record), record },
			{ action: 'delete', uri: `at://${DID}/${CLIP}/b`, collection: CLIP, rkey: 'b' },
		]);
	});

	it('drops unwanted ops but keeps the commit so the cursor advances', async () => {
		const record = await clipRecord();
		const mixed = await commitFrame({
			seq: 100,
			did: DID,
			rev: 'r',
			ops: [
				{ action: 'create', collection: 'app.bsky.feed.like', rkey: 'l1', record: like },
				{ action: 'create', collection: CLIP, rkey: 'c1', record },
				{ action: 'delete', collection: 'app.bsky.feed.post', rkey: 'p1' },
			],
		});
		const onlyBsky = await commitFrame({
			seq: 101,
			did: DID,
			rev: 'r',
			ops: [{ action: 'create', collection: 'app.bsky.feed.like', rkey: 'l2', record: like }],
		});

		const first = decodeFirehoseFrame(mixed, clipsOnly);
		expect(first?.kind === 'commit' && first.ops.map((op) => op.rkey)).toEqual(['c1']);
		expect(decodeFirehoseFrame(onlyBsky, clipsOnly)).toEqual({ kind: 'commit', cursor: 101, did: DID, rev: 'r', ops: [] });
	});

	it('never reads the record blocks of unwanted ops', async () => {
		const bytes = await commitFrame({
			seq: 5,
			did: DID,
			rev: 'r',
			ops: [{ action: 'create', collection: 'app.bsky.feed.like', rkey: 'l1', record: like }],
			omitBlocksOf: ['app.bsky.feed.like/l1'],
		});

		expect(decodeFirehoseFrame(bytes, clipsOnly)).toMatchObject({ kind: 'commit', ops: [] });
		expect(() => decodeFirehoseFrame(bytes, everything)).toThrow(/missing from "blocks"/);
	});

	it('decodes #identity, #account and #sync', async () => {
		expect(decodeFirehoseFrame(identityFrame({ seq: 1, did: DID, handle: 'alice.test' }), clipsOnly)).toEqual({
			kind: 'identity',
			cursor: 1,
			did: DID,
			handle: 'alice.test',
		});
		expect(decodeFirehoseFrame(identityFrame({ seq: 2, did: DID }), clipsOnly)).toStrictEqual({
			kind: 'identity',
			cursor: 2,
			did: DID,
		});
		expect(decodeFirehoseFrame(accountFrame({ seq: 3, did: DID, active: false, status: 'takendown' }), clipsOnly)).toEqual({
			kind: 'account',
			cursor: 3,
			did: DID,
			active: false,
			status: 'takendown',
		});
		expect(decodeFirehoseFrame(accountFrame({ seq: 4, did: DID, active: true }), clipsOnly)).toStrictEqual({
			kind: 'account',
			cursor: 4,
			did: DID,
			active: true,
		});
		expect(decodeFirehoseFrame(await syncFrame({ seq: 5, did: DID, rev: 'r9' }), clipsOnly)).toEqual({
			kind: 'sync',
			cursor: 5,
			did: DID,
			rev: 'r9',
		});
	});

	it('ignores #info and unknown frame types', () => {
		expect(decodeFirehoseFrame(infoFrame({ name: 'OutdatedCursor', message: 'too old' }), clipsOnly)).toBeNull();
		expect(decodeFirehoseFrame(frame({ op: 1, t: '#labels' }, { seq: 1 }), clipsOnly)).toBeNull();
		expect(decodeFirehoseFrame(frame({ op: 2, t: '#commit' }, {}), clipsOnly)).toBeNull();
	});

	it('returns error frames as values', () => {
		expect(decodeFirehoseFrame(errorFrame({ error: 'FutureCursor', message: 'cursor in the future' }), clipsOnly)).toEqual({
			kind: 'error',
			error: 'FutureCursor',
			message: 'cursor in the future',
		});
	});

	it('throws on bytes that are not two CBOR values', async () => {
		const good = await commitFrame({ seq: 9, did: DID, rev: 'r', ops: [] });
		for (const bad of [
			new Uint8Array([0xff, 0x00, 0x13]),
			good.subarray(0, good.length - 3),
			frame({ op: 1, t: '#commit' }, { seq: 1 }).subarray(0, 10),
			new Uint8Array(0),
		]) {
			expect(() => decodeFirehoseFrame(bad, everything)).toThrow(FirehoseFrameError);
		}
		expect(() => decodeFirehoseFrame(new Uint8Array([...identityFrame({ seq: 1, did: DID }), 0x01]), everything)).toThrow(
			/two CBOR values/,
		);
	});

	it('throws, naming the seq, on bodies of the wrong shape', () => {
		const cases = [
			frame({ op: 1, t: '#commit' }, { seq: 8, repo: DID, rev: 'r', ops: [{ action: 'create', path: `${CLIP}/a` }] }),
			frame({ op: 1, t: '#commit' }, { seq: 8, repo: 'not-a-did', rev: 'r', ops: [] }),
			frame({ op: 1, t: '#identity' }, { seq: 8, did: DID, handle: 12 }),
			frame({ op: 1, t: '#account' }, { seq: 8, did: DID }),
		];
		for (const bad of cases) {
			expect(() => decodeFirehoseFrame(bad, everything)).toThrow(expect.objectContaining({ name: 'FirehoseFrameError', seq: 8 }));
		}
		expect(() => decodeFirehoseFrame(frame({ op: -1 }, { message: 'no error name' }), everything)).toThrow(
			/"error" must be a string/,
		);
	});

	it('throws when "blocks" is not a CAR', async () => {
		const bytes = frame(
			{ op: 1, t: '#commit' },
			{
				seq: 3,
				repo: DID,
				rev: 'r',
				ops: [{ action: 'create', path: `${CLIP}/a`, cid: { $link: await recordCid({}) } }],
				blocks: { $bytes: 'AAAA' },
			},
		);
		expect(() => decodeFirehoseFrame(bytes, everything)).toThrow(/seq 3/);
	});
});

describe('decodeJetstreamMessage', () => {
	const message = (body: object) => JSON.stringify({ did: DID, time_us: 1779719009132431, ...body });

	it('decodes a commit create the same way the firehose does', async () => {
		const record = await clipRecord();
		const cid = await recordCid(record);
		const text = message({
			kind: 'commit',
			commit: { rev: 'r1', operation: 'create', collection: CLIP, rkey: 'c1', record, cid },
		});
		const viaFirehose = decodeFirehoseFrame(
			await commitFrame({ seq: 1, did: DID, rev: 'r1', ops: [{ action: 'create', collection: CLIP, rkey: 'c1', record }] }),
			clipsOnly,
		);

		const event = decodeJetstreamMessage(text, clipsOnly);

		expect(event).toEqual({
			kind: 'commit',
			cursor: 1779719009132431,
			did: DID,
			rev: 'r1',
			ops: [{ action: 'create', uri: `at://${DID}/${CLIP}/c1`, collection: CLIP, rkey: 'c1', cid, record }],
		});
		expect(viaFirehose?.kind === 'commit' && viaFirehose.ops).toStrictEqual(event?.kind === 'commit' && event.ops);
	});

	it('gives records that the same strict lexicon validator accepts from either source', async () => {
		const record = await clipRecord();
		const text = message({
			kind: 'commit',
			commit: { rev: 'r1', operation: 'create', collection: CLIP, rkey: 'c1', record, cid: await recordCid(record) },
		});
		const bytes = await commitFrame({
			seq: 1,
			did: DID,
			rev: 'r1',
			ops: [{ action: 'create', collection: CLIP, rkey: 'c1', record }],
		});

		for (const event of [decodeJetstreamMessage(text, clipsOnly), decodeFirehoseFrame(bytes, clipsOnly)]) {
			const op = event?.kind === 'commit' ? event.ops[0] : undefined;
			expect(op && 'record' in op && safeParse(VideoDreamreelClip.mainSchema, op.record, { strict: true }).ok).toBe(true);
		}
	});

	it('decodes update and delete commits', async () => {
		const record = await clipRecord();
		const cid = await recordCid(record);
		const update = decodeJetstreamMessage(
			message({ kind: 'commit', commit: { rev: 'r2', operation: 'update', collection: CLIP, rkey: 'c1', record, cid } }),
			clipsOnly,
		);
		const del = decodeJetstreamMessage(
			message({ kind: 'commit', commit: { rev: 'r3', operation: 'delete', collection: CLIP, rkey: 'c1' } }),
			clipsOnly,
		);

		expect(update?.kind === 'commit' && update.ops[0]).toMatchObject({ action: 'update', cid, record });
		expect(del?.kind === 'commit' && del.ops).toEqual([
			{ action: 'delete', uri: `at://${DID}/${CLIP}/c1`, collection: CLIP, rkey: 'c1' },
		]);
	});

	it('keeps filtered commits as cursor-only events', () => {
		const text = message({
			kind: 'commit',
			commit: {
				rev: 'r',
				operation: 'create',
				collection: 'app.bsky.feed.like',
				rkey: 'l',
				record: like,
				cid: 'bafyreihffx5a2e7k5uwrmmgofbvzujc5cmw5h4espouwuxt3liqoflx3ee',
			},
		});
		expect(decodeJetstreamMessage(text, clipsOnly)).toEqual({
			kind: 'commit',
			cursor: 1779719009132431,
			did: DID,
			rev: 'r',
			ops: [],
		});
	});

	it('decodes identity and account events', () => {
		const identity = message({
			kind: 'identity',
			identity: { did: DID, handle: 'alice.test', seq: 30340180350, time: '2026-05-25T14:23:29.950Z' },
		});
		const account = message({
			kind: 'account',
			account: { active: false, did: DID, seq: 1, time: '2026-05-25T14:23:29.950Z', status: 'deleted' },
		});

		expect(decodeJetstreamMessage(identity, clipsOnly)).toEqual({
			kind: 'identity',
			cursor: 1779719009132431,
			did: DID,
			handle: 'alice.test',
		});
		expect(decodeJetstreamMessage(account, clipsOnly)).toEqual({
			kind: 'account',
			cursor: 1779719009132431,
			did: DID,
			active: false,
			status: 'deleted',
		});
	});

	it('ignores unknown kinds', () => {
		expect(decodeJetstreamMessage(message({ kind: 'sync', sync: {} }), clipsOnly)).toBeNull();
	});

	it('throws on malformed messages', () => {
		const bad = [
			'{"did":',
			JSON.stringify({ did: DID, kind: 'commit', commit: {} }),
			JSON.stringify({ did: 'alice', time_us: 1, kind: 'identity', identity: {} }),
			message({ kind: 'commit', commit: { rev: 'r', operation: 'create', collection: CLIP, rkey: 'c1', cid: 'bafy' } }),
			message({ kind: 'commit', commit: { rev: 'r', operation: 'create', collection: CLIP, rkey: 'a/b', record: {}, cid: 'x' } }),
			message({ kind: 'account', account: { status: 'deleted' } }),
		];
		for (const text of bad) expect(() => decodeJetstreamMessage(text, everything)).toThrow(/jetstream/);
	});
});

describe('jetstreamUrl', () => {
	it('repeats wantedCollections and adds the cursor', () => {
		const url = new URL(
			jetstreamUrl('wss://jetstream2.us-east.bsky.network', [CLIP, 'video.dreamreel.consent', CLIP], 1779719009132431),
		);
		expect(url.origin + url.pathname).toBe('wss://jetstream2.us-east.bsky.network/subscribe');
		expect(url.searchParams.getAll('wantedCollections')).toEqual([CLIP, 'video.dreamreel.consent']);
		expect(url.searchParams.get('cursor')).toBe('1779719009132431');
	});

	it('accepts the /subscribe endpoint itself and omits an absent cursor', () => {
		expect(jetstreamUrl('ws://127.0.0.1:6008/subscribe', ['video.dreamreel.*'])).toBe(
			'ws://127.0.0.1:6008/subscribe?wantedCollections=video.dreamreel.*',
		);
	});

	it('refuses more than 100 collections and bad cursors', () => {
		const many = Array.from({ length: 101 }, (_, i) => `video.dreamreel.c${i}`);
		expect(() => jetstreamUrl('wss://j.example', many)).toThrow(RangeError);
		expect(() => jetstreamUrl('wss://j.example', [CLIP], -1)).toThrow(RangeError);
		expect(() => jetstreamUrl('wss://j.example', [CLIP], 1.5)).toThrow(RangeError);
	});
});

describe('a stream source', () => {
	it('gives a firehose frame it cannot read the frame’s seq, so the cursor moves past it', () => {
		const source = sourceFor('relay+ws://relay.example');
		const bad = frame({ op: 1, t: '#commit' }, { seq: 41, repo: DID, rev: '3m', ops: [{ action: 'create', path: 'no-slash' }] });
		expect(source.decode(bad.slice().buffer)).toMatchObject({ rejected: expect.stringContaining('seq 41'), cursor: 41 });
		// Without a readable seq, the caller keeps the cursor where it was.
		expect(source.decode(new Uint8Array([0xff, 0x00]).buffer)).not.toHaveProperty('cursor');
	});
});
