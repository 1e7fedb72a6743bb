import { Secp256k1PrivateKeyExportable } from '@atcute/crypto';
import type { DidDocument } from '@atcute/identity';
import { env } from 'cloudflare:workers';
import { afterEach, expect, it, vi } from 'vitest';
import { commitFrame, fixtureDidDocument } from '../../fixtures/frames.ts';
import type { ApplyResult } from '../../../worker/ingest/apply.ts';
import type { ActorSync } from '../../../worker/ingest/backfill.ts';
import type { CommitEvent, NetworkEvent } from '../../../worker/ingest/events.ts';
import { decodeFirehoseFrame } from '../../../worker/ingest/firehose.ts';
import { prove } from '../../../worker/ingest/proofs.ts';
import type { Identity } from '../../../worker/identity/index.ts';

const did = 'did:plc:proofsproofsproofsproofs';
const PDS = 'http://pds.example:2583';
const CONSENT = 'video.dreamreel.consent';
const uri = `at://${did}/${CONSENT}/self`;
const consent = { $type: CONSENT, audience: 'everyone', createdAt: '2026-12-01T00:00:00.000Z' };
const notFound = () => Response.json({ error: 'RecordNotFound', message: 'Could not locate record' }, { status: 400 });

type Answer = () => Response | Promise<Response>;

/** The owner's PDS: each method answers with its next answer in turn; the methods asked are noted in order. */
function fakePds(answers: Record<string, Answer[]>): string[] {
	const asked: string[] = [];
	vi.stubGlobal('fetch', async (input: URL | string) => {
		const method = new URL(String(input)).pathname.slice('/xrpc/'.length);
		asked.push(method);
		const answer = answers[method]?.shift();
		if (!answer) throw new Error(`unexpected ${method}`);
		return answer();
	});
	return asked;
}

/** The Ingester's view for proofs: the DID document names PDS, and what would be written is kept. */
async function sync(applied: NetworkEvent[][]): Promise<ActorSync> {
	const document = (await fixtureDidDocument(did, PDS)) as DidDocument;
	const identity = { dids: { resolve: async () => document } } as unknown as Identity;
	return { db: env.DB, identity, allowLoopbackFetch: false, apply: async (events) => (applied.push(events), {} as ApplyResult) };
}

/** What sync.getRecord answers for a record the repo holds at `rev`: the record in its signed tree. */
async function signedRecord(rev: string, signer?: Secp256k1PrivateKeyExportable): Promise<Response> {
	const frame = await commitFrame({ seq: 1, did, rev, ops: [{ action: 'create', collection: CONSENT, rkey: 'self', record: consent }], ...(signer ? { signer } : {}) });
	const { proof } = decodeFirehoseFrame(frame, () => true) as CommitEvent;
	return new Response(proof!.blocks, { headers: { 'content-type': 'application/vnd.ipld.car' } });
}

afterEach(() => {
	vi.unstubAllGlobals();
});

it('a record its PDS answers twice with a bare RecordNotFound is deleted at the revision the repo stands at', async () => {
	const asked = fakePds({
		'com.atproto.sync.getRecord': [notFound, notFound],
		'com.atproto.sync.getLatestCommit': [() => Response.json({ cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', rev: '3kproofrevaa5' })],
	});
	const applied: NetworkEvent[][] = [];
	await prove(await sync(applied), { kind: 'record', uri });
	expect(asked).toEqual(['com.atproto.sync.getRecord', 'com.atproto.sync.getLatestCommit', 'com.atproto.sync.getRecord']);
	expect(applied).toEqual([[{ kind: 'commit', cursor: 0, did, rev: '3kproofrevaa5', ops: [{ action: 'delete', uri, collection: CONSENT, rkey: 'self' }] }]]);
});

it('a record written between the two asks is applied as its signed proof shows it', async () => {
	fakePds({
		'com.atproto.sync.getRecord': [notFound, () => signedRecord('3kproofrevaa6')],
		'com.atproto.sync.getLatestCommit': [() => Response.json({ cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', rev: '3kproofrevaa5' })],
	});
	const applied: NetworkEvent[][] = [];
	await prove(await sync(applied), { kind: 'record', uri });
	expect(applied).toMatchObject([[{ kind: 'commit', did, rev: '3kproofrevaa6', ops: [{ action: 'update', uri, record: consent }] }]]);
});

it('a record found on the second ask without a valid proof writes nothing (a grant needs its signature)', async () => {
	const forger = await Secp256k1PrivateKeyExportable.createKeypair();
	fakePds({
		'com.atproto.sync.getRecord': [notFound, () => signedRecord('3kproofrevaa6', forger)],
		'com.atproto.sync.getLatestCommit': [() => Response.json({ cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', rev: '3kproofrevaa5' })],
	});
	const applied: NetworkEvent[][] = [];
	await expect(prove(await sync(applied), { kind: 'record', uri })).rejects.toThrow();
	expect(applied).toEqual([]);
});

it.each([
	['answers 500', () => new Response('down', { status: 500 })],
	['names no revision', () => Response.json({ cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', rev: 'not a tid' })],
])('without the repo’s revision (getLatestCommit %s) nothing is deleted: the proof is tried again later', async (_case, latest) => {
	fakePds({ 'com.atproto.sync.getRecord': [notFound], 'com.atproto.sync.getLatestCommit': [latest] });
	const applied: NetworkEvent[][] = [];
	await expect(prove(await sync(applied), { kind: 'record', uri })).rejects.toThrow(/getLatestCommit/);
	expect(applied).toEqual([]);
});
