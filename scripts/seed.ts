// Demo data for a local PDS: three accounts with clips, a remix chain, consent grants and follows,
// all written through the real XRPC API so the AppView ingests them from the firehose like any
// other network data. Safe to rerun: every record is looked up before it is written.
import { AtpAgent, XRPCError } from '@atproto/api';
import { CLIP, CONSENT, FOLLOW, REMIX, type StrongRef } from '../worker/nsid.ts';
import { SAMPLE_VIDEO, readSampleVideo, type SampleVideoName } from './sample-video.ts';

export const DEMO_PASSWORD = 'dreamreel-demo';


export type AccountName = 'alice' | 'bob' | 'carol';
export type ClipName = 'aliceDream' | 'aliceTestcard' | 'bobLife' | 'carolGradients' | 'carolRemix' | 'bobRemix';
export interface SeedResult {
	accounts: Record<AccountName, { did: string; handle: string }>;
	clips: Record<ClipName, StrongRef>;
}

interface Account {
	agent: AtpAgent;
	did: string;
	handle: string;
}

const AI_LABEL = { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }] };
const DEMO_GENERATOR = { provider: 'demo', model: 'demo-titlecard-1' };

export async function seed(pdsUrl: string): Promise<SeedResult> {
	const alice = await account(pdsUrl, 'alice');
	const bob = await account(pdsUrl, 'bob');
	const carol = await account(pdsUrl, 'carol');

	// Follows first: bob's consent ('followers') and the remix policies below are about them.
	await follow(alice, bob);
	await follow(bob, alice);
	await follow(carol, alice);
	await follow(alice, carol);

	await consent(alice, { audience: 'everyone', allowRemix: true });
	await consent(bob, { audience: 'followers', allowRemix: true });
	await consent(carol, { audience: 'listed', allowed: [alice.did], allowRemix: true });

	const aliceDream = await clip(alice, CLIP, 'mandelbrot', {
		caption: 'Falling into the fractal, with a cameo from @bob.test',
		prompt: 'An endless zoom into a glowing Mandelbrot set, bob waving from the edge, vertical',
		generator: DEMO_GENERATOR,
		labels: AI_LABEL,
		cameos: [bob.did],
		remixPolicy: 'everyone',
		langs: ['en'],
		tags: ['fractal', 'dreams'],
	});
	const aliceTestcard = await clip(alice, CLIP, 'testcard', {
		caption: 'Testing, testing: my first recorded clip',
		remixPolicy: 'followers',
		langs: ['en'],
		tags: ['testcard'],
	});
	const bobLife = await clip(bob, CLIP, 'life', {
		caption: 'Game of Life at dusk',
		remixPolicy: 'mutuals',
		langs: ['en'],
		tags: ['life', 'generative'],
	});
	const carolGradients = await clip(carol, CLIP, 'gradients', {
		caption: 'Slow gradients for a slow morning',
		remixPolicy: 'none',
		langs: ['en'],
	});
	// Remixes of alice's test card: her fractal features bob, whose consent covers only his followers,
	// so only they may remix it (carol does not follow him).
	const carolRemix = await clip(carol, REMIX, 'gradients', {
		caption: 'Remixing alice: the test card melts into gradients',
		prompt: 'The test card dissolves into soft drifting colour gradients',
		generator: DEMO_GENERATOR,
		labels: AI_LABEL,
		remixPolicy: 'everyone',
		langs: ['en'],
		tags: ['remix'],
		parent: aliceTestcard,
		root: aliceTestcard,
	});
	const bobRemix = await clip(bob, REMIX, 'life', {
		caption: 'Remix of a remix: cells grow out of the colours',
		prompt: 'Cellular automata bloom across drifting gradients',
		generator: DEMO_GENERATOR,
		labels: AI_LABEL,
		langs: ['en'],
		parent: carolRemix,
		root: aliceTestcard,
	});

	return {
		accounts: { alice: profile(alice), bob: profile(bob), carol: profile(carol) },
		clips: { aliceDream, aliceTestcard, bobLife, carolGradients, carolRemix, bobRemix },
	};
}

/** Logs in, or creates the account when the PDS does not know it yet (a fresh network). */
async function account(pdsUrl: string, name: AccountName): Promise<Account> {
	const agent = new AtpAgent({ service: pdsUrl });
	const handle = `${name}.test`; // the dev-env PDS serves handles under `.test`
	try {
		await agent.login({ identifier: handle, password: DEMO_PASSWORD });
	} catch (err) {
		if (!(err instanceof XRPCError)) throw err;
		await agent.createAccount({ handle, email: `${name}@dreamreel.test`, password: DEMO_PASSWORD });
	}
	return { agent, did: agent.assertDid, handle };
}

function profile({ did, handle }: Account): { did: string; handle: string } {
	return { did, handle };
}

/** Uploads the sample as a blob and writes the clip or remix, unless one with that caption exists. */
async function clip(
	author: Account,
	collection: typeof CLIP | typeof REMIX,
	video: SampleVideoName,
	fields: { caption: string } & Record<string, unknown>,
): Promise<StrongRef> {
	const existing = await findRecord(author, collection, (value) => value.caption === fields.caption);
	if (existing) return existing;

	const upload = await author.agent.uploadBlob(await readSampleVideo(video), { encoding: SAMPLE_VIDEO.mimeType });
	const record = {
		$type: collection,
		video: upload.data.blob,
		durationMs: SAMPLE_VIDEO.durationMs,
		aspectRatio: { width: 9, height: 16 },
		...fields,
		createdAt: new Date().toISOString(),
	};
	const { data } = await author.agent.com.atproto.repo.createRecord({ repo: author.did, collection, record });
	return { uri: data.uri, cid: data.cid };
}

async function consent(author: Account, grant: Record<string, unknown>): Promise<void> {
	const repo = author.did;
	try {
		await author.agent.com.atproto.repo.getRecord({ repo, collection: CONSENT, rkey: 'self' });
		return;
	} catch (err) {
		if (!(err instanceof XRPCError && err.error === 'RecordNotFound')) throw err;
	}
	const record = { $type: CONSENT, ...grant, createdAt: new Date().toISOString() };
	await author.agent.com.atproto.repo.createRecord({ repo, collection: CONSENT, rkey: 'self', record });
}

async function follow(author: Account, subject: Account): Promise<void> {
	if (await findRecord(author, FOLLOW, (value) => value.subject === subject.did)) return;
	const record = { $type: FOLLOW, subject: subject.did, createdAt: new Date().toISOString() };
	await author.agent.com.atproto.repo.createRecord({ repo: author.did, collection: FOLLOW, record });
}

async function findRecord(
	author: Account,
	collection: string,
	match: (value: Record<string, unknown>) => boolean,
): Promise<StrongRef | undefined> {
	// A demo repo holds a handful of records per collection: one page is enough.
	const { data } = await author.agent.com.atproto.repo.listRecords({ repo: author.did, collection, limit: 100 });
	const found = data.records.find((r) => match(r.value as Record<string, unknown>));
	return found && { uri: found.uri, cid: found.cid };
}
