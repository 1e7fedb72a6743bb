// Publishes the app.bsky.feed.generator records of a deployment into the publisher's repo, so that
// Bluesky apps can find and show Dreamreel feeds. Run once per deployment (and again after changing
// a feed's name or description):
//
//   PDS=https://bsky.social HANDLE=you.example PASSWORD=app-password SERVICE_DID=did:web:dreamreel.example \
//     node scripts/publish-feeds.ts
//
// then set FEED_PUBLISHER_DID to the publisher's DID in the deployment's vars.
import { AtpAgent } from '@atproto/api';
import { feedCatalog } from '../worker/feeds/catalog.ts';
import { FEED_GENERATOR } from '../worker/nsid.ts';

export async function publishFeeds(agent: AtpAgent, serviceDid: string): Promise<string[]> {
	const uris: string[] = [];
	for (const [rkey, feed] of Object.entries(feedCatalog)) {
		const { data } = await agent.com.atproto.repo.putRecord({
			repo: agent.assertDid,
			collection: FEED_GENERATOR,
			rkey,
			record: {
				$type: FEED_GENERATOR,
				did: serviceDid,
				displayName: feed.displayName,
				description: feed.description,
				createdAt: new Date().toISOString(),
			},
		});
		uris.push(data.uri);
	}
	return uris;
}

if (import.meta.main) {
	const { PDS, HANDLE, PASSWORD, SERVICE_DID } = process.env;
	if (!PDS || !HANDLE || !PASSWORD || !SERVICE_DID) throw new Error('set PDS, HANDLE, PASSWORD and SERVICE_DID');
	const agent = new AtpAgent({ service: PDS });
	await agent.login({ identifier: HANDLE, password: PASSWORD });
	for (const uri of await publishFeeds(agent, SERVICE_DID)) console.log(uri);
	console.log(`FEED_PUBLISHER_DID=${agent.assertDid}`);
}
