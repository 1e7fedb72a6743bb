// The feeds benchmark's dataset, written the real way: accounts on the reference PDS, every record
// through com.atproto.repo.createRecord with @atproto/api, so the worker ingests it from the PDS's
// firehose like any other network data. Seeded (the same dataset every run).
import { AtpAgent, type BlobRef } from '@atproto/api';
import { createAccount } from '../../test/network/harness.ts';
import { paddedMp4 } from '../playback/video-bytes.node.ts';
import { pool, random } from './load.node.ts';

export interface DatasetOptions {
	creators: number;
	clipsPerCreator: number;
	viewers: number;
	/** Creators each viewer follows (besides the star). */
	followsPerViewer: number;
	likesPerViewer: number;
	commentsPerViewer: number;
	crosspostsPerCreator: number;
	/** Every n-th clip is a remix of an earlier clip by another creator. */
	remixEvery: number;
	seed: number;
}

export interface Ref {
	uri: string;
	cid: string;
}

export interface SeededClip extends Ref {
	author: string;
	likes: number;
	comments: number;
}

export interface Dataset {
	creators: AtpAgent[];
	viewers: AtpAgent[];
	/** The creator whose followers the fan-out measurement is about; no clips until then. */
	star: AtpAgent;
	clips: SeededClip[];
	crossposts: string[];
	/** Creators each viewer follows, by viewer DID. */
	following: Map<string, Set<string>>;
	writes: number;
}

const PARALLEL_ACCOUNTS = 6;
const HOUR = 3_600_000;

/** A clip record around an uploaded video, as Dreamreel's client writes one. */
function clipRecord(collection: string, video: BlobRef, createdAt: string, extra: Record<string, unknown> = {}) {
	return {
		$type: collection,
		video,
		prompt: 'a lighthouse made of glass at dusk, slow dolly in',
		caption: 'benchmark clip',
		generator: { provider: 'demo', model: 'demo-titlecard-1' },
		durationMs: 3000,
		aspectRatio: { width: 9, height: 16 },
		labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }] },
		createdAt,
		...extra,
	};
}

/** Uploads a video of its own (distinct bytes, so a distinct blob CID) and writes the clip. */
export async function postVideoClip(agent: AtpAgent, tag: string, createdAt = new Date().toISOString(), extra: Record<string, unknown> = {}) {
	const collection = extra.parent ? 'video.dreamreel.remix' : 'video.dreamreel.clip';
	const { data: upload } = await agent.uploadBlob(await paddedMp4('gradients', tag), { encoding: 'video/mp4' });
	const { data } = await agent.com.atproto.repo.createRecord({
		repo: agent.assertDid,
		collection,
		record: clipRecord(collection, upload.blob, createdAt, extra),
	});
	return { uri: data.uri, cid: data.cid, blob: upload.blob };
}

async function create(agent: AtpAgent, collection: string, record: Record<string, unknown>): Promise<Ref> {
	const { data } = await agent.com.atproto.repo.createRecord({ repo: agent.assertDid, collection, record: { $type: collection, ...record } });
	return { uri: data.uri, cid: data.cid };
}

export async function seedDataset(pdsUrl: string, options: DatasetOptions, log: (line: string) => void): Promise<Dataset> {
	const rand = random(options.seed);
	const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)]!;
	const sample = <T>(items: T[], n: number): T[] => {
		const copy = [...items];
		for (let i = copy.length - 1; i > 0; i--) {
			const j = Math.floor(rand() * (i + 1));
			[copy[i], copy[j]] = [copy[j]!, copy[i]!];
		}
		return copy.slice(0, n);
	};
	let writes = 0;
	const now = Date.now();

	const names = [
		...Array.from({ length: options.creators }, (_, i) => `cr${String(i).padStart(3, '0')}`),
		...Array.from({ length: options.viewers }, (_, i) => `vw${String(i).padStart(3, '0')}`),
		'star',
	];
	const agents = await pool(names, PARALLEL_ACCOUNTS, (name) => createAccount(pdsUrl, name));
	const creators = agents.slice(0, options.creators);
	const viewers = agents.slice(options.creators, options.creators + options.viewers);
	const star = agents.at(-1)!;
	writes += agents.length;
	log(`  ${agents.length} accounts`);

	// Clips, oldest first per creator, spread over the last three days; some are remixes.
	const clips: SeededClip[] = [];
	const blobs = new Map<string, BlobRef>();
	const plan = creators.flatMap((agent, c) =>
		Array.from({ length: options.clipsPerCreator }, (_, k) => ({ agent, c, k, at: now - 72 * HOUR + rand() * 71 * HOUR })),
	);
	plan.sort((a, b) => a.at - b.at);
	const byCreator = new Map<AtpAgent, typeof plan>();
	for (const item of plan) byCreator.set(item.agent, [...(byCreator.get(item.agent) ?? []), item]);
	const originals: (SeededClip & { at: number })[] = [];
	await pool([...byCreator.values()], PARALLEL_ACCOUNTS, async (items) => {
		for (const { agent, c, k, at } of items) {
			const parents = originals.filter((clip) => clip.author !== agent.assertDid && clip.at < at);
			const remix = (k + 1) % options.remixEvery === 0 && parents.length > 0;
			const parent = remix ? pick(parents) : undefined;
			const extra = parent ? { parent: { uri: parent.uri, cid: parent.cid }, root: { uri: parent.uri, cid: parent.cid } } : {};
			const posted = await postVideoClip(agent, `feeds-${options.seed}-${c}-${k}`, new Date(at).toISOString(), extra);
			const clip = { uri: posted.uri, cid: posted.cid, author: agent.assertDid, likes: 0, comments: 0, at };
			clips.push(clip);
			if (!parent) originals.push(clip);
			blobs.set(posted.uri, posted.blob);
			writes += 2;
		}
	});
	log(`  ${clips.length} clips (${clips.length - originals.length} remixes)`);

	// Follows: viewers follow some creators and the star; creators follow a few creators.
	const following = new Map<string, Set<string>>();
	const followPlan: { agent: AtpAgent; subjects: string[] }[] = [
		...viewers.map((agent) => ({ agent, subjects: [...sample(creators, options.followsPerViewer).map((a) => a.assertDid), star.assertDid] })),
		...creators.map((agent) => ({ agent, subjects: sample(creators.filter((a) => a !== agent), Math.min(4, creators.length - 1)).map((a) => a.assertDid) })),
	];
	for (const { agent, subjects } of followPlan) following.set(agent.assertDid, new Set(subjects));
	await pool(followPlan, PARALLEL_ACCOUNTS, async ({ agent, subjects }) => {
		for (const subject of subjects) {
			await create(agent, 'app.bsky.graph.follow', { subject, createdAt: new Date().toISOString() });
			writes++;
		}
	});
	log(`  ${followPlan.reduce((n, f) => n + f.subjects.length, 0)} follows`);

	// Likes and comments by viewers; more on some clips than others (a few hits, a long tail).
	const weighted = () => clips[Math.floor(clips.length * rand() ** 2)]!;
	await pool(viewers, PARALLEL_ACCOUNTS, async (agent) => {
		const liked = new Set<SeededClip>();
		while (liked.size < Math.min(options.likesPerViewer, clips.length)) liked.add(weighted());
		for (const clip of liked) {
			await create(agent, 'video.dreamreel.like', { subject: { uri: clip.uri, cid: clip.cid }, createdAt: new Date().toISOString() });
			clip.likes++;
			writes++;
		}
		// commentCount counts people: a second comment by the same viewer does not add to it.
		const commented = new Set<SeededClip>();
		for (let i = 0; i < options.commentsPerViewer; i++) {
			const clip = weighted();
			await create(agent, 'video.dreamreel.comment', { subject: { uri: clip.uri, cid: clip.cid }, text: `comment ${i} from ${agent.session?.handle}`, createdAt: new Date().toISOString() });
			if (!commented.has(clip)) clip.comments++;
			commented.add(clip);
			writes++;
		}
	});
	log(`  ${clips.reduce((n, c) => n + c.likes, 0)} likes, ${options.viewers * options.commentsPerViewer} comments`);

	// Cross-posts: Bluesky posts sharing a clip's video (the same blob), by the clip's author.
	const crossposts: string[] = [];
	await pool(creators, PARALLEL_ACCOUNTS, async (agent) => {
		const mine = clips.filter((clip) => clip.author === agent.assertDid);
		for (const clip of sample(mine, options.crosspostsPerCreator)) {
			const post = await create(agent, 'app.bsky.feed.post', {
				text: 'made on Dreamreel',
				embed: { $type: 'app.bsky.embed.video', video: blobs.get(clip.uri)!, aspectRatio: { width: 9, height: 16 } },
				createdAt: new Date().toISOString(),
			});
			crossposts.push(post.uri);
			writes++;
		}
	});
	log(`  ${crossposts.length} cross-posts`);
	return { creators, viewers, star, clips, crossposts, following, writes };
}
