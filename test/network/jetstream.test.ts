import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeJetstream } from './fake-jetstream.ts';
import { createAccount, eventually, postClip, startStack, xrpc, type Posted, type Stack } from './harness.ts';

let jetstream: FakeJetstream;
let stack: Stack;
let author: AtpAgent;

/** The Jetstream commit event for a record as it now stands on the PDS (what a real Jetstream would send). */
async function relay(posted: Posted, operation: 'create' | 'delete' = 'create') {
	const [, , did, collection, rkey] = posted.uri.split('/') as [string, string, string, string, string];
	const { data: head } = await author.com.atproto.sync.getLatestCommit({ did });
	const commit =
		operation === 'delete'
			? { rev: head.rev, operation, collection, rkey }
			: { rev: head.rev, operation, collection, rkey, cid: posted.cid, record: (await author.com.atproto.repo.getRecord({ repo: did, collection, rkey })).data.value };
	jetstream.emit({ did, kind: 'commit', commit });
}

const status = (uri: string) => xrpc(stack.worker.url, 'video.dreamreel.getClip', { uri }).then((result) => result.status);

beforeAll(async () => {
	jetstream = await FakeJetstream.start(3690);
	stack = await startStack({ pds: 3683, plc: 3682, worker: 8799 }, { FIREHOSE_URL: `jetstream+${jetstream.url}` });
	author = await createAccount(stack.network.pdsUrl, 'jet');
});
afterAll(async () => {
	await stack?.close();
	await jetstream?.close();
});

it('subscribes with our collections and indexes what Jetstream sends', async () => {
	const posted = await postClip(author);
	await relay(posted);
	await eventually(async () => expect(await status(posted.uri)).toBe(200));
	expect(jetstream.subscriptions[0]!.getAll('wantedCollections')).toEqual([
		'video.dreamreel.*', 'app.bsky.graph.follow', 'app.bsky.actor.profile', 'app.bsky.feed.post', 'app.bsky.graph.block', 'app.bsky.graph.listblock', 'app.bsky.graph.listitem',
	]);
	await author.com.atproto.repo.deleteRecord({ repo: author.assertDid, collection: 'video.dreamreel.clip', rkey: posted.uri.split('/').pop()! });
	await relay(posted, 'delete');
	await eventually(async () => expect(await status(posted.uri)).toBe(404));
});

it('resumes from its cursor (rewound a few seconds) after a crash, missing nothing', async () => {
	const before = await postClip(author);
	await relay(before);
	await eventually(async () => expect(await status(before.uri)).toBe(200));
	const subscriptions = jetstream.subscriptions.length;
	const restarting = stack.restartWorker();
	const during = await postClip(author, { caption: 'while the worker was down' });
	await relay(during);
	await restarting;
	await eventually(async () => expect(await status(during.uri)).toBe(200));
	const resumed = jetstream.subscriptions[subscriptions]!;
	const cursor = Number(resumed.get('cursor'));
	expect(cursor).toBeGreaterThan(0);
	expect(cursor).toBeLessThan(jetstream.events.find((event) => (event.commit as { rkey: string }).rkey === during.uri.split('/').pop())!.time_us);
});

it('a malformed event is counted, kept with its reason and skipped: the stream goes on past it', async () => {
	const health = async () => (await xrpc<{ ingest: { rejected: number; cursor: number | null } }>(stack.worker.url, '_health')).body.ingest;
	const before = (await health()).rejected;
	// A commit Jetstream's schema refuses (a CID that is not one), then a message that is not JSON at all.
	const poison = jetstream.emit({ did: author.assertDid, kind: 'commit', commit: { rev: '3kpoison', operation: 'create', collection: 'video.dreamreel.clip', rkey: '3kpoison', cid: 'not-a-cid', record: {} } });
	jetstream.emitRaw('{"did": "did:plc:broken", "time_us": ');
	const after = await postClip(author, { caption: 'after the poison' });
	await relay(after);
	await eventually(async () => expect(await status(after.uri)).toBe(200), 15_000);
	const now = await health();
	expect(now.rejected).toBeGreaterThanOrEqual(before + 2);
	expect(now.cursor).toBeGreaterThan(poison.time_us);
});

it('a grant arriving by Jetstream counts only once its owner’s PDS proves it; a revocation counts at once', async () => {
	const CONSENT = 'video.dreamreel.consent';
	const consent = { $type: CONSENT, audience: 'everyone', createdAt: new Date().toISOString() };
	const featured = await createAccount(stack.network.pdsUrl, 'jetfeatured');
	const clip = await postClip(author, { caption: 'featuring someone', cameos: [featured.assertDid] });
	await relay(clip);
	const settled = async () => {
		const marker = await postClip(author, { caption: 'marker' });
		await relay(marker);
		await eventually(async () => expect(await status(marker.uri)).toBe(200));
		await eventually(async () => expect((await xrpc<{ ingest: { pendingProofs: number } }>(stack.worker.url, '_health')).body.ingest).toMatchObject({ pendingProofs: 0 }));
	};
	await settled();
	expect(await status(clip.uri)).toBe(404);

	// A Jetstream that invents the grant: the person's repo holds none, so the proof never comes.
	const forged = { rev: (await author.com.atproto.sync.getLatestCommit({ did: featured.assertDid })).data.rev, operation: 'create', collection: CONSENT, rkey: 'self' };
	jetstream.emit({ did: featured.assertDid, kind: 'commit', commit: { ...forged, cid: clip.cid, record: consent } });
	await settled();
	expect(await status(clip.uri)).toBe(404);

	// The person grants it for real: the same event, now provable from their PDS.
	const { data: granted } = await featured.com.atproto.repo.putRecord({ repo: featured.assertDid, collection: CONSENT, rkey: 'self', record: consent });
	await relay({ uri: granted.uri, cid: granted.cid });
	// The proof is a getRecord from the PDS, queued behind other work: on a loaded machine it can take a while.
	await eventually(async () => expect(await status(clip.uri)).toBe(200), 30_000);

	// Withdrawing needs no proof: the stream's word hides the clip at once.
	const { data: head } = await author.com.atproto.sync.getLatestCommit({ did: featured.assertDid });
	jetstream.emit({ did: featured.assertDid, kind: 'commit', commit: { rev: `${head.rev.slice(0, -1)}z`, operation: 'delete', collection: CONSENT, rkey: 'self' } });
	await eventually(async () => expect(await status(clip.uri)).toBe(404));
});
