import { Secp256k1PrivateKeyExportable } from '@atcute/crypto';
import { getPdsEndpoint, type DidDocument } from '@atcute/identity';
import type { Did } from '@atcute/lexicons/syntax';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { commitFrame, fixtureDidDocument, fixtureKey, type CommitFrameInput } from '../../fixtures/frames.ts';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import { signedCommits, signingKey, unprovenSource, type Authenticator } from '../../../worker/ingest/authenticity.ts';
import { CachedDidResolver, DID_CACHE_TTL_MS } from '../../../worker/identity/cached-did-resolver.ts';
import type { CommitEvent } from '../../../worker/ingest/events.ts';
import { decodeFirehoseFrame } from '../../../worker/ingest/firehose.ts';
import { commitFailure } from '../../../worker/ingest/verify-commit.ts';

const did = 'did:plc:authenticauthenticauthen';
const PDS = 'http://pds.example:2583';
const CONSENT = 'video.dreamreel.consent';
const consent = { $type: CONSENT, audience: 'everyone', createdAt: '2026-12-01T00:00:00.000Z' };
const clip = {
	$type: 'video.dreamreel.clip',
	caption: 'proven',
	video: { $type: 'blob', ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' }, mimeType: 'video/mp4', size: 10 },
	createdAt: '2026-12-01T00:00:00.000Z',
};

async function commit(input: Partial<CommitFrameInput> = {}): Promise<CommitEvent> {
	const frame = await commitFrame({
		seq: 1,
		did,
		rev: '3kauthrev0002',
		ops: [{ action: 'create', collection: 'video.dreamreel.clip', rkey: '3kauthclip002', record: clip }],
		...input,
	});
	return decodeFirehoseFrame(frame, () => true) as CommitEvent;
}

/** DID documents as a directory would serve them (`noCache` asks for the newest one), cached in D1 as the worker caches them. */
function directory(cached: object, fresh: object = cached): CachedDidResolver {
	return new CachedDidResolver(env.DB, { resolve: async (_did, options) => (options?.noCache ? fresh : cached) as DidDocument });
}

/** A DID directory answering nothing but errors. */
const directoryDown = { resolve: async () => Promise.reject(new Error('directory down')) };

/** One commit, judged as a batch of one. */
const judgeOne = async (authenticate: Authenticator, event: CommitEvent) => (await authenticate([event]))[0];

// Each test starts with no cached documents (storage is shared by a file's tests).
beforeEach(() => env.DB.prepare('DELETE FROM did_cache').run());

const keyOf = async (document: object) => signingKey(document as DidDocument)!;

describe('verifying a firehose commit', () => {
	it('accepts a commit signed by the repo’s key whose tree holds its records', async () => {
		expect(await commitFailure(await commit(), await keyOf(await fixtureDidDocument(did, PDS)))).toBeUndefined();
	});

	it('refuses a commit signed by another key', async () => {
		const forger = await Secp256k1PrivateKeyExportable.createKeypair();
		expect(await commitFailure(await commit({ signer: forger }), await keyOf(await fixtureDidDocument(did, PDS)))).toBe('bad commit signature');
	});

	it('refuses a record block whose bytes do not hash to its CID', async () => {
		const event = await commit({ tamperBlocksOf: ['video.dreamreel.clip/3kauthclip002'] });
		expect(await commitFailure(event, await keyOf(await fixtureDidDocument(did, PDS)))).toMatch(/does not hash to its CID/);
	});

	it('refuses a commit block naming another repo', async () => {
		const event = await commit({ commitDid: 'did:plc:someoneelsesomeoneelseso' });
		expect(await commitFailure(event, await keyOf(await fixtureDidDocument(did, PDS)))).toMatch(/is for did:plc:someoneelse/);
	});

	it('refuses an op the signed tree does not prove: a record it does not hold, a delete of a record it still holds', async () => {
		const key = await keyOf(await fixtureDidDocument(did, PDS));
		const swapped = await commit();
		const op = swapped.ops[0]! as Extract<CommitEvent['ops'][number], { cid: string }>;
		op.cid = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm';
		expect(await commitFailure(swapped, key)).toMatch(/the signed tree holds bafyrei\w+ at video.dreamreel.clip\/3kauthclip002, not bafyreie5737/);
		const deleted = await commit();
		deleted.ops[0] = { action: 'delete', uri: deleted.ops[0]!.uri, collection: deleted.ops[0]!.collection, rkey: deleted.ops[0]!.rkey };
		expect(await commitFailure(deleted, key)).toMatch(/not nothing/);
	});
});

describe('which stream speaks for which repo', () => {
	it('following one PDS, a repo whose DID document names another PDS is refused, however well signed', async () => {
		const authenticate = signedCommits(directory(await fixtureDidDocument(did, 'https://elsewhere.example')), PDS);
		expect(await judgeOne(authenticate, await commit())).toEqual({ failure: expect.stringMatching(/hosted at https:\/\/elsewhere.example/) });
	});

	it('following a relay, any repo whose commit verifies is taken', async () => {
		const authenticate = signedCommits(directory(await fixtureDidDocument(did, 'https://elsewhere.example')));
		expect(await judgeOne(authenticate, await commit())).toEqual({ proven: true });
	});

	it('a commit signed with a key rotated in since the cached document is checked against the fresh one', async () => {
		const old = await Secp256k1PrivateKeyExportable.createKeypair();
		const authenticate = signedCommits(directory(await fixtureDidDocument(did, PDS, old), await fixtureDidDocument(did, PDS, await fixtureKey())), PDS);
		expect(await judgeOne(authenticate, await commit())).toEqual({ proven: true });
		// …and the old key, once rotated out, no longer signs for the repo.
		const afterRotation = signedCommits(directory(await fixtureDidDocument(did, PDS)), PDS);
		expect(await judgeOne(afterRotation, await commit({ signer: old }))).toEqual({ failure: 'bad commit signature' });
	});

	it('an identity that cannot be resolved cannot vouch for anything: the commit is unverifiable', async () => {
		const authenticate = signedCommits(new CachedDidResolver(env.DB, directoryDown));
		expect(await judgeOne(authenticate, await commit())).toEqual({ unverifiable: expect.stringMatching(/cannot resolve .*directory down/) });
	});
});

describe('applying what streams say', () => {
	beforeEach(async () => {
		await env.DB.batch(['clip_index', 'record_revs', 'actors', 'consents', 'rejected_events'].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
	});

	it('a forged commit is kept in rejected_events with its reason and never applied', async () => {
		const forger = await Secp256k1PrivateKeyExportable.createKeypair();
		const authenticate = signedCommits(directory(await fixtureDidDocument(did, PDS)), PDS);
		const result = await applyEvents(env.DB, [await commit({ signer: forger })], { authenticate });
		expect([result.applied, result.rejected]).toEqual([0, 1]);
		expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM clip_index').first('n')).toBe(0);
		expect(await env.DB.prepare('SELECT reason FROM rejected_events WHERE did = ?1').bind(did).first('reason')).toBe('not authentic: bad commit signature');
	});

	it('an unproven grant counts as none until proven; an unproven revocation counts at once', async () => {
		const uri = `at://${did}/${CONSENT}/self`;
		const write = (rev: string, action: 'create' | 'delete'): CommitEvent => ({
			kind: 'commit',
			cursor: 1,
			did,
			rev,
			ops: [action === 'create' ? { action, uri, collection: CONSENT, rkey: 'self', cid: 'bafyreigrant', record: consent } : { action, uri, collection: CONSENT, rkey: 'self' }],
		});
		const granted = await applyEvents(env.DB, [write('3kauthrev0003', 'create')], { authenticate: unprovenSource });
		expect(granted.proofs).toEqual([{ kind: 'record', uri }]);
		expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM consents').first('n')).toBe(0);
		// The proof, read from the owner's PDS, is applied as a trusted write of the same revision.
		await applyEvents(env.DB, [write('3kauthrev0003', 'create')]);
		expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM consents').first('n')).toBe(1);
		const revoked = await applyEvents(env.DB, [write('3kauthrev0004', 'delete')], { authenticate: unprovenSource });
		expect(revoked.proofs).toEqual([]);
		expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM consents').first('n')).toBe(0);
	});

	it.each(['delete', 'update', 'create'] as const)(
		'a commit whose identity cannot be resolved still narrows consent (%s): no grant until proven, every other op refused',
		async (action) => {
			const uri = `at://${did}/${CONSENT}/self`;
			const granted = { action: 'create', uri, collection: CONSENT, rkey: 'self', cid: 'bafyreigrant', record: consent } as const;
			await applyEvents(env.DB, [{ kind: 'commit', cursor: 1, did, rev: '3kauthrev0001', ops: [granted] }]);
			const narrowed = { action, collection: CONSENT, rkey: 'self', ...(action === 'delete' ? {} : { record: { ...consent, audience: 'self' } }) };
			const event = await commit({ ops: [narrowed, { action: 'create', collection: 'video.dreamreel.clip', rkey: '3kauthclip002', record: clip }] });
			const result = await applyEvents(env.DB, [event], { authenticate: signedCommits(new CachedDidResolver(env.DB, directoryDown)) });
			expect(result.proofs).toEqual([{ kind: 'record', uri }]);
			expect(result.people).toEqual([did]);
			expect([result.applied, result.rejected]).toEqual([0, 1]);
			expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM consents').first('n')).toBe(0);
			expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM clip_index').first('n')).toBe(0);
			expect(await env.DB.prepare('SELECT reason FROM rejected_events WHERE did = ?1').bind(did).first('reason')).toMatch(/^not authentic: cannot resolve .*directory down/);
			// The revision is not recorded: the proof, a trusted write of the same revision, still counts.
			await applyEvents(env.DB, [{ ...event, ops: [{ ...granted, action: 'update' }] }]);
			expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM consents').first('n')).toBe(1);
		},
	);

	it('a stream may deactivate an account at once; a reactivation waits for the account’s PDS', async () => {
		await env.DB.prepare(`INSERT INTO actors (did, indexed_at, active) VALUES (?1, '2026-12-01T00:00:00Z', 1)`).bind(did).run();
		await applyEvents(env.DB, [{ kind: 'account', cursor: 2, did, active: false, status: 'takendown' }]);
		expect(await env.DB.prepare('SELECT active FROM actors WHERE did = ?1').bind(did).first('active')).toBe(0);
		const back = await applyEvents(env.DB, [{ kind: 'account', cursor: 3, did, active: true }]);
		expect(back.proofs).toEqual([{ kind: 'account', did }]);
		expect(await env.DB.prepare('SELECT active FROM actors WHERE did = ?1').bind(did).first('active')).toBe(0);
	});
});

describe('resolving a batch’s DID documents', () => {
	/** D1 calls made through this handle (each `all`, `first` or `run` is one round trip). */
	function counted(db: D1Database): { db: D1Database; calls: () => number } {
		let calls = 0;
		const bound = (statement: D1PreparedStatement) =>
			({
				all: () => (calls++, statement.all()),
				first: (column?: string) => (calls++, column === undefined ? statement.first() : statement.first(column)),
				run: () => (calls++, statement.run()),
			}) as unknown as D1PreparedStatement;
		const wrapped = { prepare: (sql: string) => ({ bind: (...values: unknown[]) => bound(db.prepare(sql).bind(...values)) }) } as unknown as D1Database;
		return { db: wrapped, calls: () => calls };
	}

	it('reads the cache once, asks the directory only for what is missing or stale, and stores what it fetched in one write', async () => {
		const [cached, stale, unknown, down] = ['cachedcachedcachedcached', 'stalestalestalestalestal', 'unknownunknownunknownunk', 'downdowndowndowndowndown'].map(
			(id): Did => `did:plc:${id}`,
		) as [Did, Did, Did, Did];
		const insert = 'INSERT INTO did_cache (did, document, fetched_at) VALUES (?1, ?2, ?3)';
		await env.DB.batch([
			env.DB.prepare(insert).bind(cached, JSON.stringify(await fixtureDidDocument(cached, PDS)), Date.now()),
			env.DB.prepare(insert).bind(stale, JSON.stringify(await fixtureDidDocument(stale, 'https://old.example')), Date.now() - 2 * DID_CACHE_TTL_MS),
		]);
		const asked: string[] = [];
		const source = {
			resolve: async (did: string) => {
				asked.push(did);
				if (did === down) throw new Error('directory down');
				return (await fixtureDidDocument(did, PDS)) as DidDocument;
			},
		};
		const d1 = counted(env.DB);
		const documents = await new CachedDidResolver(d1.db, source).resolveMany([cached, stale, unknown, down]);
		expect(asked.sort()).toEqual([down, stale, unknown].sort());
		expect(d1.calls()).toBe(2);
		expect([cached, stale, unknown].map((did) => (documents.get(did) as DidDocument).id)).toEqual([cached, stale, unknown]);
		expect(documents.get(down)).toEqual(new Error('directory down'));
		const { results } = await env.DB.prepare('SELECT did FROM did_cache WHERE fetched_at > ?1 ORDER BY did').bind(Date.now() - 60_000).all<{ did: string }>();
		expect(results.map((row) => row.did)).toEqual([cached, stale, unknown].sort());
		// The Ingester's memory spares even the read the next time.
		const remembering = new CachedDidResolver(d1.db, source, { remember: true });
		await remembering.resolveMany([cached, stale]);
		const before = d1.calls();
		await remembering.resolveMany([cached, stale]);
		expect(d1.calls()).toBe(before);
	});

	describe('while the directory is failing (stale-if-error)', () => {
		const insert = (document: object, age: number) =>
			env.DB.prepare('INSERT INTO did_cache (did, document, fetched_at) VALUES (?1, ?2, ?3)').bind(did, JSON.stringify(document), Date.now() - age).run();
		const fetchedAt = () => env.DB.prepare('SELECT fetched_at FROM did_cache WHERE did = ?1').bind(did).first<number>('fetched_at');

		it('a stale document stands in for the one that cannot be had, in one read, and is not stored as fresh', async () => {
			await insert(await fixtureDidDocument(did, 'https://old.example'), 2 * DID_CACHE_TTL_MS);
			const before = await fetchedAt();
			const d1 = counted(env.DB);
			const documents = await new CachedDidResolver(d1.db, directoryDown).resolveMany([did]);
			expect(getPdsEndpoint(documents.get(did) as DidDocument)).toBe('https://old.example');
			expect(d1.calls()).toBe(1);
			expect(await fetchedAt()).toBe(before);
		});

		it('a stale document is not used when the directory answers', async () => {
			await insert(await fixtureDidDocument(did, 'https://old.example'), 2 * DID_CACHE_TTL_MS);
			const documents = await directory(await fixtureDidDocument(did, PDS)).resolveMany([did]);
			expect(getPdsEndpoint(documents.get(did) as DidDocument)).toBe(PDS);
		});

		it('with no document cached, a failing directory still fails', async () => {
			const documents = await new CachedDidResolver(env.DB, directoryDown).resolveMany([did]);
			expect(documents.get(did)).toEqual(new Error('directory down'));
		});

		it('a document an #identity event dropped is not brought back', async () => {
			await insert(await fixtureDidDocument(did, 'https://old.example'), 2 * DID_CACHE_TTL_MS);
			await applyEvents(env.DB, [{ kind: 'identity', cursor: 1, did }]);
			const documents = await new CachedDidResolver(env.DB, directoryDown).resolveMany([did]);
			expect(documents.get(did)).toEqual(new Error('directory down'));
		});
	});
});
