// Publishes what a deployment announces from its publisher account: the app.bsky.feed.generator
// records (so Bluesky apps can find and show Dreamreel feeds) and every video.dreamreel.* lexicon as
// a com.atproto.lexicon.schema record (record key = the NSID), so any client can resolve them. Run
// once per deployment, and again after changing a feed's name or a lexicon:
//
//   PDS=https://bsky.social HANDLE=you.example PASSWORD=app-password SERVICE_DID=did:web:dreamreel.example \
//     node scripts/publish-feeds.ts
//
// then set FEED_PUBLISHER_DID to the publisher's DID in the deployment's vars, and add the DNS TXT
// record it prints (`_lexicon.dreamreel.video`), which names that DID as the lexicons' authority.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtpAgent } from '@atproto/api';
import { feedCatalog } from '../worker/feeds/catalog.ts';
import { FEED_GENERATOR } from '../worker/nsid.ts';

const LEXICON_DIR = join(import.meta.dirname, '..', 'lexicons', 'video', 'dreamreel');

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
				// Every item is a video post: Bluesky apps show these feeds as full-screen video.
				contentMode: 'app.bsky.feed.defs#contentModeVideo',
				createdAt: new Date().toISOString(),
			},
		});
		uris.push(data.uri);
	}
	return uris;
}

/** The lexicon documents of lexicons/video/dreamreel, each as it is in its file. */
export async function lexiconDocuments(): Promise<{ id: string }[]> {
	const files = (await readdir(LEXICON_DIR)).filter((file) => file.endsWith('.json')).sort();
	return Promise.all(files.map(async (file) => JSON.parse(await readFile(join(LEXICON_DIR, file), 'utf8')) as { id: string }));
}

/** Writes each lexicon as a com.atproto.lexicon.schema record keyed by its NSID; their AT-URIs. */
export async function publishLexicons(agent: AtpAgent): Promise<string[]> {
	const uris: string[] = [];
	for (const doc of await lexiconDocuments()) {
		const { data } = await agent.com.atproto.repo.putRecord({
			repo: agent.assertDid,
			collection: 'com.atproto.lexicon.schema',
			rkey: doc.id,
			record: { $type: 'com.atproto.lexicon.schema', ...doc },
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
	for (const uri of await publishLexicons(agent)) console.log(uri);
	console.log(`FEED_PUBLISHER_DID=${agent.assertDid}`);
	console.log(`DNS: _lexicon.dreamreel.video TXT "did=${agent.assertDid}"`);
}
