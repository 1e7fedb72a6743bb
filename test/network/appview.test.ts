// Self-hosting a feed generator: the reference Bluesky AppView (dev-env's TestNetwork, on Postgres
// and Redis) finds Dreamreel's feed through its generator record, resolves our did:web for its
// #bsky_fg endpoint, calls our getFeedSkeleton and hydrates the skeleton into posts with their video.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFeeds } from '../../scripts/publish-feeds.ts';
import { startWorker, type WorkerProcess } from '../../scripts/worker-process.ts';
import { createAccount, eventually, postClip, xrpc } from './harness.ts';
import { findServers, followingVars, startReferenceNetwork, type ReferenceNetwork } from '../../scripts/reference-network.ts';

// The reference AppView's pg client warns of its own concurrent queries (pg@9 deprecation): not ours.
process.noDeprecation = true;

const PORTS = { plc: 4582, pds: 4583, bsky: 4584, ozone: 4585, postgres: 4586, redis: 4587, worker: 8799 };
const serviceDid = `did:web:localhost%3A${PORTS.worker}`;
const servers = findServers();
// CI installs Postgres and Redis; elsewhere the test says what it needs instead of failing.
const missing = 'missing' in servers && !process.env.CI ? servers.missing : undefined;

describe.skipIf(missing)(`the reference Bluesky AppView${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
	let reference: ReferenceNetwork;
	let worker: WorkerProcess;
	let persistTo: string;
	let alice: AtpAgent;
	let trending: string;
	let crosspost: { uri: string; videoCid: string };

	beforeAll(async () => {
		reference = await startReferenceNetwork(PORTS);
		const pdsUrl = reference.network.pds.url;
		alice = await createAccount(pdsUrl, 'alice');
		persistTo = await mkdtemp(join(tmpdir(), 'dreamreel-appview-'));
		worker = await startWorker({
			port: PORTS.worker,
			persistTo,
			quiet: !process.env.DEBUG_WORKER,
			vars: {
				...followingVars(reference, PORTS.worker),
				// alice publishes the feed-generator records, as a deployment's publisher account would.
				FEED_PUBLISHER_DID: alice.assertDid,
			},
		});
		await worker.startIngesting();

		// A clip, and the Bluesky post that shares it (the same video blob, by its author).
		const clip = await postClip(alice, { caption: 'shared to Bluesky' });
		const { data: record } = await alice.com.atproto.repo.getRecord({ repo: alice.assertDid, collection: 'video.dreamreel.clip', rkey: clip.uri.split('/').pop()! });
		const video = (record.value as { video: { ref: { toString(): string } } }).video;
		const post = await alice.app.bsky.feed.post.create(
			{ repo: alice.assertDid },
			{ text: 'made on Dreamreel', embed: { $type: 'app.bsky.embed.video', video: video as never }, createdAt: new Date().toISOString() },
		);
		crosspost = { uri: post.uri, videoCid: video.ref.toString() };
		[, trending] = (await publishFeeds(alice, serviceDid)) as [string, string, string];
		await eventually(async () => {
			const { body } = await xrpc<{ feed: { post: string }[] }>(worker.url, 'app.bsky.feed.getFeedSkeleton', { feed: trending });
			expect(body.feed.map((item) => item.post)).toContain(crosspost.uri);
		}, 30_000);
		// The AppView indexes the post and the generator record from the PDS's firehose.
		await reference.network.processAll();
	}, 240_000);

	afterAll(async () => {
		await worker?.stop('SIGTERM');
		await reference?.close();
		if (persistTo) await rm(persistTo, { recursive: true, force: true });
	});

	it('resolves our did:web for the feed generator service', async () => {
		const doc = await reference.network.bsky.ctx.idResolver.did.resolve(serviceDid);
		expect(doc?.service).toContainEqual({ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: `http://localhost:${PORTS.worker}` });
		const { data } = await alice.app.bsky.feed.getFeedGenerator({ feed: trending });
		expect(data.view).toMatchObject({ uri: trending, did: serviceDid, displayName: 'Dreamreel Trending', creator: { did: alice.assertDid } });
		expect([data.isOnline, data.isValid]).toEqual([true, true]);
	});

	it('serves app.bsky.feed.getFeed from our skeleton, hydrated into posts with their video', async () => {
		// Through alice's PDS, as a Bluesky app asks: the PDS mints her service JWT, the AppView passes it to us.
		const { data } = await alice.app.bsky.feed.getFeed({ feed: trending });
		const item = data.feed.find((entry) => entry.post.uri === crosspost.uri);
		expect(item?.post).toMatchObject({
			author: { did: alice.assertDid, handle: 'alice.test' },
			record: { text: 'made on Dreamreel' },
			embed: { $type: 'app.bsky.embed.video#view', cid: crosspost.videoCid },
		});
		expect(item?.feedContext).toMatch(/^(remix-chain|popular|discussed|following|fresh)$/);
	});
});
