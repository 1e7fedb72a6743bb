// Dreamreel's lexicons, published as com.atproto.lexicon.schema records, resolve with a maintained
// resolver (@atproto/lex-resolver, the one the reference PDS uses): the record is fetched from the
// authority's PDS with its proof (com.atproto.sync.getRecord), checked against the authority's
// signing key, and parsed as a lexicon. The authority would come from DNS (`_lexicon.dreamreel.video`
// TXT `did=…`); here it is given directly.
import type { AtpAgent } from '@atproto/api';
import { LexResolver, NSID } from '@atproto/lex-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevNetwork, type DevNetwork } from '../../scripts/dev-network.ts';
import { lexiconDocuments, publishLexicons } from '../../scripts/publish-feeds.ts';
import { createAccount } from './harness.ts';

let network: DevNetwork;
let publisher: AtpAgent;

beforeAll(async () => {
	network = await startDevNetwork({ pdsPort: 4683, plcPort: 4682 });
	publisher = await createAccount(network.pdsUrl, 'publisher');
});

afterAll(async () => {
	await network?.close();
});

describe('published lexicons', () => {
	it('are written once per NSID, with the NSID as record key', async () => {
		const docs = await lexiconDocuments();
		const uris = await publishLexicons(publisher);
		expect(uris).toEqual(docs.map((doc) => `at://${publisher.assertDid}/com.atproto.lexicon.schema/${doc.id}`));
		expect(docs.length).toBeGreaterThanOrEqual(19);
	});

	it('resolve, verified, to the documents in lexicons/', async () => {
		const resolver = new LexResolver({
			plcDirectoryUrl: network.plcUrl,
			hooks: { onResolveAuthority: () => publisher.assertDid as `did:plc:${string}` },
		});
		for (const doc of await lexiconDocuments()) {
			const resolved = await resolver.get(doc.id);
			expect(resolved.uri.toString()).toBe(`at://${publisher.assertDid}/com.atproto.lexicon.schema/${doc.id}`);
			expect(resolved.lexicon).toMatchObject(doc);
		}
	});

	it('share one authority domain, the DNS name the README tells a deployment to set', async () => {
		const domains = new Set((await lexiconDocuments()).map((doc) => NSID.from(doc.id).authority));
		expect([...domains].map((domain) => `_lexicon.${domain}`)).toEqual(['_lexicon.dreamreel.video']);
	});
});
