// `npm start`: the whole of Dreamreel on local defaults — a reference PDS and PLC directory, seeded
// demo accounts, and the worker on :8787 following the PDS's firehose. Each start is a fresh network
// (the dev PLC directory lives in memory), so the worker's local state starts fresh too.
import { rm } from 'node:fs/promises';
import { startDevNetwork } from './dev-network.ts';
import { AtpAgent } from '@atproto/api';
import { publishFeeds, publishLexicons } from './publish-feeds.ts';
import { DEMO_PASSWORD, seed } from './seed.ts';
import { startWorker } from './worker-process.ts';

const persistTo = '.wrangler/start';
await rm(persistTo, { recursive: true, force: true });

const network = await startDevNetwork();
const demo = await seed(network.pdsUrl);
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
  feeds        ${worker.url}/xrpc/app.bsky.feed.getFeedSkeleton?feed=${feeds[1]}
Ctrl-C to stop.`);

const stop = async () => {
	await worker.stop('SIGTERM');
	await network.close();
	process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
