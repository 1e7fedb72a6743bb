// `npm start`: the whole of Dreamreel on local defaults — a reference PDS and PLC directory, seeded
// demo accounts, and the worker on :8787 following the PDS's firehose. Each start is a fresh network
// (the dev PLC directory lives in memory), so the worker's local state starts fresh too.
// `npm start -- --moderation` runs the reference moderation service too (Ozone, with the Bluesky
// AppView, on Postgres and Redis: heavier), which Dreamreel then takes labels from and sends reports to.
import { rm } from 'node:fs/promises';
import { startDevNetwork, type DevNetwork } from './dev-network.ts';
import { AtpAgent } from '@atproto/api';
import { publishFeeds, publishLexicons } from './publish-feeds.ts';
import { startReferenceNetwork } from './reference-network.ts';
import { DEMO_PASSWORD, seed } from './seed.ts';
import { startWorker } from './worker-process.ts';

const persistTo = '.wrangler/start';
await rm(persistTo, { recursive: true, force: true });

const withModeration = process.argv.includes('--moderation');
const { network, ozone } = withModeration ? await moderationNetwork() : { network: await startDevNetwork(), ozone: undefined };
const demo = await seed(network.pdsUrl);
// The account the deployment files reports with; alice.test moderates the local Ozone.
const moderationVars = ozone ? await moderationSetup(ozone) : {};
// alice publishes the demo deployment's feed-generator records and lexicons.
const publisher = new AtpAgent({ service: network.pdsUrl });
await publisher.login({ identifier: demo.accounts.alice.handle, password: DEMO_PASSWORD });
const feeds = await publishFeeds(publisher, 'did:web:localhost%3A8787');
await publishLexicons(publisher);
const worker = await startWorker({
	port: Number(process.env.WORKER_PORT ?? 8787),
	persistTo,
	vars: {
		FIREHOSE_URL: network.pdsUrl.replace(/^http/, 'ws'),
		PLC_URL: network.plcUrl,
		HANDLE_RESOLVER_URL: network.pdsUrl,
		FEED_PUBLISHER_DID: publisher.assertDid,
		...moderationVars,
	},
});
await worker.startIngesting();

console.log(`
Dreamreel is running.
  web client   ${worker.url}/
  XRPC         ${worker.url}/xrpc/video.dreamreel.getAuthorFeed?actor=alice.test
  service DID  did:web:localhost%3A8787 (${worker.url}/.well-known/did.json)
  PDS          ${network.pdsUrl}
  PLC          ${network.plcUrl}
  accounts     ${Object.values(demo.accounts).map((account) => account.handle).join(', ')} — password ${DEMO_PASSWORD}
  feeds        ${worker.url}/xrpc/app.bsky.feed.getFeedSkeleton?feed=${feeds[1]}${
	ozone
		? `
  Ozone        ${ozone.url} (${ozone.did}): Dreamreel follows its labels and files reports there;
               alice.test is a moderator (tools.ozone.moderation.emitEvent through her PDS,
               atproto-proxy: ${ozone.did}#atproto_labeler)`
		: ''
}
Ctrl-C to stop.`);

const stop = async () => {
	await worker.stop('SIGTERM');
	await network.close();
	process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

interface LocalOzone {
	url: string;
	did: string;
	addModerator(did: string): Promise<void>;
}

/** The reference network with Ozone, on the usual PDS and PLC ports. */
async function moderationNetwork(): Promise<{ network: DevNetwork; ozone: LocalOzone }> {
	const reference = await startReferenceNetwork({ plc: 2582, pds: 2583, bsky: 2584, ozone: 2585, postgres: 2586, redis: 2587 });
	const { ozone } = reference.network;
	return {
		network: { pdsUrl: reference.network.pds.url, plcUrl: reference.network.plc.url, close: reference.close },
		ozone: { url: ozone.url, did: ozone.ctx.cfg.service.did, addModerator: (did) => ozone.addModeratorDid(did as `did:${string}:${string}`) },
	};
}

async function moderationSetup(ozone: LocalOzone): Promise<Record<string, string>> {
	const reporter = new AtpAgent({ service: network.pdsUrl });
	await reporter.createAccount({ handle: 'dreamreel-mod.test', email: 'dreamreel-mod@dreamreel.test', password: DEMO_PASSWORD });
	await ozone.addModerator(demo.accounts.alice.did);
	return { LABELERS: ozone.did, MODERATION_SERVICE_DID: ozone.did, MODERATION_REPORTER_DID: reporter.assertDid, MODERATION_REPORTER_PASSWORD: DEMO_PASSWORD };
}
