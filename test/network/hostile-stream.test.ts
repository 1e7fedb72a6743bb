// The stream as an attacker would send it: the worker follows a relay (relay+ws://) that passes on the
// reference PDS's real firehose and slips in forged, tampered and malformed frames between. The index
// must hold exactly the authentic records, and the cursor must pass every bad frame.
import type { AtpAgent } from '@atproto/api';
import { encode } from '@atcute/cbor';
import { Secp256k1PrivateKeyExportable, type PrivateKey } from '@atcute/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobRef, commitFrame, frame, type FixtureOp } from '../fixtures/frames.ts';
import { workerdResources } from '../../scripts/processes.ts';
import { FakeRelay } from './fake-relay.ts';
import { createAccount, eventually, postClip, startStack, xrpc, type Posted, type Stack } from './harness.ts';

let relay: FakeRelay;
let stack: Stack;
let alice: AtpAgent;
let dave: AtpAgent;

const CLIP = 'video.dreamreel.clip';
const status = (uri: string) => xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri }).then((result) => result.status);
const health = async () => (await xrpc<{ ingest: { cursor: number | null; rejected: number } }>(stack.worker.url, '_health')).body.ingest;

/** The real signing key of an account on the reference PDS, as only its PDS holds it. */
async function realKey(agent: AtpAgent): Promise<PrivateKey> {
	const keypair = await stack.network.pds.ctx.actorStore.keypair(agent.assertDid);
	return { sign: (data: Uint8Array) => keypair.sign(data) } as unknown as PrivateKey;
}

async function clipRecord(caption: string, fields: Record<string, unknown> = {}) {
	return { $type: CLIP, video: await blobRef(caption, 'video/mp4'), caption, createdAt: new Date().toISOString(), ...fields };
}

/** A #commit frame slipped into the relay's stream under its next seq. */
async function inject(did: string, ops: FixtureOp[], options: Parameters<typeof commitFrame>[0] extends infer I ? Partial<I> : never = {}): Promise<number> {
	const seq = relay.nextSeq;
	relay.emitRaw(await commitFrame({ seq, did, rev: '3mzzzzzzzzzz2', ops, ...options }));
	return seq;
}

/** A real clip posted after the injections: once it is indexed, the stream has gone past them. */
async function passedBy(seq: number): Promise<Posted> {
	const marker = await postClip(alice, { caption: `after seq ${seq}` });
	await eventually(async () => expect(await status(marker.uri)).toBe(200), 15_000);
	expect((await health()).cursor).toBeGreaterThan(seq);
	return marker;
}

beforeAll(async () => {
	relay = await FakeRelay.start(9317);
	stack = await startStack({ pds: 4283, plc: 4282, worker: 8817 }, { FIREHOSE_URL: `relay+${relay.url}` });
	await relay.follow(stack.network.pdsUrl);
	alice = await createAccount(stack.network.pdsUrl, 'hostile-alice');
	dave = await createAccount(stack.network.pdsUrl, 'hostile-dave');
});
afterAll(async () => {
	await stack?.close();
	await relay?.close();
});

describe('a relay passing on the reference PDS', () => {
	it('indexes what the PDS’s accounts really wrote', async () => {
		const clip = await postClip(alice, { caption: 'authentic' });
		await eventually(async () => expect(await status(clip.uri)).toBe(200), 15_000);
	});
});

describe('forged and tampered commits are refused, counted, and passed by', () => {
	it('a clip in alice’s name signed by someone else’s key is never indexed', async () => {
		const before = (await health()).rejected;
		const forger = await Secp256k1PrivateKeyExportable.createKeypair();
		const seq = await inject(alice.assertDid, [{ action: 'create', collection: CLIP, rkey: '3mforgedclip2', record: await clipRecord('forged') }], { signer: forger });
		await passedBy(seq);
		expect(await status(`at://${alice.assertDid}/${CLIP}/3mforgedclip2`)).toBe(404);
		expect((await health()).rejected).toBeGreaterThan(before);
	});

	it('a forged consent does not reveal a clip featuring someone who never consented', async () => {
		const featuring = await postClip(alice, { caption: 'featuring dave', cameos: [dave.assertDid] });
		const forger = await Secp256k1PrivateKeyExportable.createKeypair();
		const consent = { $type: 'video.dreamreel.consent', audience: 'everyone', createdAt: new Date().toISOString() };
		const seq = await inject(dave.assertDid, [{ action: 'create', collection: 'video.dreamreel.consent', rkey: 'self', record: consent }], { signer: forger });
		await passedBy(seq);
		expect(await status(featuring.uri)).toBe(404);
	});

	it('a record block whose bytes do not match its CID is refused, even under the account’s real signature', async () => {
		const rkey = '3mtamperedcl2';
		const seq = await inject(alice.assertDid, [{ action: 'create', collection: CLIP, rkey, record: await clipRecord('tampered') }], {
			signer: await realKey(alice),
			tamperBlocksOf: [`${CLIP}/${rkey}`],
		});
		await passedBy(seq);
		expect(await status(`at://${alice.assertDid}/${CLIP}/${rkey}`)).toBe(404);
	});

	it('a commit whose signed block names another repo is refused', async () => {
		const rkey = '3mwrongrepo22';
		const seq = await inject(alice.assertDid, [{ action: 'create', collection: CLIP, rkey, record: await clipRecord('wrong repo') }], {
			signer: await realKey(dave),
			commitDid: dave.assertDid,
		});
		await passedBy(seq);
		expect(await status(`at://${alice.assertDid}/${CLIP}/${rkey}`)).toBe(404);
	});

	it('an authentic commit is taken whoever relays it (its signature, not its path, makes it true)', async () => {
		const rkey = '3mrelayedcli2';
		const seq = await inject(alice.assertDid, [{ action: 'create', collection: CLIP, rkey, record: await clipRecord('relayed') }], { signer: await realKey(alice) });
		await passedBy(seq);
		expect(await status(`at://${alice.assertDid}/${CLIP}/${rkey}`)).toBe(200);
	});
});

describe('malformed frames of every kind are skipped without a reconnect', () => {
	it('garbage, text, a lone header, a bad op path, an unknown kind and an oversized record: the stream goes on past all of them', async () => {
		const before = await health();
		relay.emitRaw(new Uint8Array([0xff, 0x00, 0x13, 0x37]));
		relay.emitRaw('{"not": "cbor"}');
		relay.emitRaw(encode({ op: 1, t: '#commit' }));
		relay.emitRaw(frame({ op: 1, t: '#commit' }, { seq: relay.nextSeq, repo: alice.assertDid, rev: '3m', ops: [{ action: 'create', path: 'no-slash' }] }));
		relay.emitRaw(frame({ op: 1, t: '#somethingNew' }, { seq: relay.nextSeq }));
		const oversized = await inject(alice.assertDid, [{ action: 'create', collection: CLIP, rkey: '3moversized22', record: await clipRecord('x'.repeat(70_000)) }], {
			signer: await realKey(alice),
		});
		await passedBy(oversized);
		expect(await status(`at://${alice.assertDid}/${CLIP}/3moversized22`)).toBe(404);
		const after = await health();
		// Four undecodable frames and one invalid record; the unknown kind is ignored, as the spec asks.
		expect(after.rejected - before.rejected).toBeGreaterThanOrEqual(5);
	});
});

describe('a relay sending faster than the index writes', () => {
	it('the worker drops the socket, reads on from its cursor, and takes every frame exactly once, in order', async () => {
		const before = await health();
		const first = relay.nextSeq;
		// Cheap frames that each leave one trace (a rejected event, counted), past the 20 000 the
		// Ingester holds: it drops the socket while the relay is still sending on it.
		const FLOOD = 25_000;
		const cursors: number[] = [];
		// Sampled, and skipped while the Ingester is too busy to answer.
		let openFiles = 0;
		const watching = setInterval(() => {
			openFiles = Math.max(openFiles, workerdResources().fds);
			void health().then(({ cursor }) => cursors.push(cursor ?? 0), () => {});
		}, 200);
		for (let sent = 0; sent < FLOOD; sent += 1000) {
			for (let i = 0; i < 1000; i++) {
				relay.emitRaw(frame({ op: 1, t: '#commit' }, { seq: relay.nextSeq, repo: alice.assertDid, rev: '3m', ops: [{ action: 'create', path: 'no-slash' }] }));
			}
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		const last = relay.nextSeq - 1;
		await eventually(async () => expect((await health()).cursor).toBe(last), 120_000);
		clearInterval(watching);
		expect((await health()).rejected - before.rejected).toBe(FLOOD);
		// The cursor only ever moved forward: a frame read twice could otherwise be counted past.
		expect(cursors.filter((cursor) => cursor >= first)).toEqual([...cursors.filter((cursor) => cursor >= first)].sort((a, b) => a - b));
		// Nothing a bad frame costs may add up: locally, a log line per refusal held thousands of sockets.
		expect(openFiles).toBeGreaterThan(0);
		expect(openFiles).toBeLessThan(1000);
	}, 180_000);
});
