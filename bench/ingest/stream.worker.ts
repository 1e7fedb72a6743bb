/**
 * A generated `subscribeRepos` stream with the whole network's mix in it, not only Dreamreel's
 * collections: a self-hoster's relay sends everything, and all of it has to be decoded and filtered.
 *
 * Frames are real (DAG-CBOR, CAR slices with true CIDs, from `test/fixtures/frames.ts`) and
 * deterministic for a seed. Alongside them the generator keeps a model of what the index should
 * hold once the stream is applied, following the rules documented in `worker/ingest/apply.ts`:
 * Dreamreel records always count; follows and profiles only around accounts the index knows.
 *
 * The mix, per event (a frame is one event). Shares follow the public picture of Bluesky's firehose
 * (likes dominate, then posts, reposts, follows ~8 %, deletes a few %, identity/account ~2 %), with
 * Dreamreel's collections at ~4 % (clips, remixes, consents, likes, comments, Bluesky posts sharing
 * a clip's video), invalid records and deletes included.
 *
 * The model is the generator's own reading of those rules; it is reported beside the real row
 * counts, and the benchmark asserts only the tables that hold Dreamreel's own records.
 */
import {
	accountFrame,
	blobRef,
	commitFrame,
	identityFrame,
	recordCid,
	syncFrame,
	type FixtureOp,
} from '../../test/fixtures/frames.ts';

export interface StreamOptions {
	/** Events (frames) to generate. */
	events: number;
	seed: number;
	/** Accounts that author the stream's commits. */
	authors: number;
	/** Of those, accounts that use Dreamreel (write its clips, remixes, consents, likes, comments). */
	dreamreelUsers: number;
}

export interface ExpectedIndex {
	/** Rows per table that the index should hold after the whole stream. */
	actors: number;
	inactiveActors: number;
	follows: number;
	clips: number;
	remixes: number;
	cameos: number;
	consents: number;
	likes: number;
	comments: number;
	crossposts: number;
	recordRevs: number;
	rejectedRecords: number;
}

export interface Stream {
	frames: Uint8Array[];
	/** Events per kind of the mix, in mix order. */
	mix: Map<string, number>;
	/** Every repo that commits in the stream (verification needs each one's DID document). */
	repos: string[];
	/** The accounts that use Dreamreel. */
	dreamreelUsers: string[];
	bytes: number;
	expected: ExpectedIndex;
}

const CLIP = 'video.dreamreel.clip';
const REMIX = 'video.dreamreel.remix';
const CONSENT = 'video.dreamreel.consent';
const LIKE = 'video.dreamreel.like';
const COMMENT = 'video.dreamreel.comment';
const POST = 'app.bsky.feed.post';
const FOLLOW = 'app.bsky.graph.follow';
const PROFILE = 'app.bsky.actor.profile';

type Kind =
	| 'like'
	| 'post'
	| 'repost'
	| 'like delete'
	| 'post delete'
	| 'repost delete'
	| 'block'
	| 'listitem'
	| 'other app.bsky / chat.bsky'
	| 'post + threadgate (2 ops)'
	| 'follow'
	| 'follow delete'
	| 'profile'
	| '#identity'
	| '#account'
	| '#sync'
	| 'dreamreel clip'
	| 'dreamreel remix'
	| 'dreamreel consent'
	| 'dreamreel like'
	| 'dreamreel comment'
	| 'crosspost (post with a clip video)'
	| 'dreamreel clip update'
	| 'dreamreel clip/remix delete'
	| 'dreamreel consent delete'
	| 'dreamreel like delete'
	| 'dreamreel invalid record';

/** Relative weights; normalised over their sum. */
const MIX: [Kind, number][] = [
	['like', 48],
	['post', 13],
	['repost', 9],
	['like delete', 4],
	['post delete', 1],
	['repost delete', 1],
	['block', 1.5],
	['listitem', 1.2],
	['other app.bsky / chat.bsky', 1],
	['post + threadgate (2 ops)', 0.5],
	['follow', 8],
	['follow delete', 1.2],
	['profile', 1.3],
	['#identity', 1.5],
	['#account', 0.6],
	['#sync', 0.1],
	['dreamreel clip', 1.2],
	['dreamreel remix', 0.5],
	['dreamreel consent', 0.25],
	['dreamreel like', 0.9],
	['dreamreel comment', 0.25],
	['crosspost (post with a clip video)', 0.15],
	['dreamreel clip update', 0.08],
	['dreamreel clip/remix delete', 0.2],
	['dreamreel consent delete', 0.04],
	['dreamreel like delete', 0.08],
	['dreamreel invalid record', 0.35],
];

const WORDS = (
	'the a of to and in is it you that was for on are with as at be this have from or one had by word but not what ' +
	'all were we when your can said there use an each which she do how their if will up other about out many then ' +
	'them these so some her would make like him into time has look two more write go see number no way could people ' +
	'video dream neon city cat ocean light remix clip sora gen ai model prompt frame render camera slow motion sunset'
).split(' ');

const PROMPTS = [
	'a paper boat sailing through a neon city at night, slow dolly shot',
	'timelapse of a glass greenhouse growing on the moon, cinematic lighting',
	'a cat astronaut floating through a kitchen, handheld camera, 35mm film grain',
	'an origami whale swimming between skyscrapers in the rain',
];

/** A deterministic 32-bit PRNG (mulberry32). */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const S32 = '234567abcdefghijklmnopqrstuvwxyz';

/** A TID (timestamp µs and clock id, base32-sortable): valid as both an rkey and a repo rev. */
function tid(micros: number, clock: number): string {
	let value = (BigInt(micros) << 10n) | BigInt(clock & 0x3ff);
	let out = '';
	for (let i = 0; i < 13; i++) {
		out = S32[Number(value & 31n)] + out;
		value >>= 5n;
	}
	return out;
}

/** The video blob CID of a post whose embed is a video, alone or beside a quoted record. */
function postVideo(record: Record<string, unknown> | null): string | undefined {
	const embed = record?.embed as { $type?: string; video?: { ref?: { $link?: string } }; media?: unknown } | undefined;
	if (embed?.$type === 'app.bsky.embed.video') return embed.video?.ref?.$link;
	if (embed?.$type === 'app.bsky.embed.recordWithMedia') return postVideo({ embed: embed.media });
	return undefined;
}

/** The index the stream should produce, kept in stream order by the rules of `applyEvents`. */
class IndexModel {
	readonly known = new Set<string>();
	readonly inactive = new Set<string>();
	readonly follows = new Set<string>();
	readonly clips = new Map<string, { remix: boolean; cameos: number }>();
	readonly consents = new Set<string>();
	readonly likes = new Set<string>();
	readonly comments = new Set<string>();
	readonly crossposts = new Set<string>();
	readonly revs = new Set<string>();
	rejected = 0;

	/** Whether an op concerns the index: Dreamreel's records always; the social graph around known accounts. */
	involves(did: string, collection: string, record: Record<string, unknown> | null): boolean {
		if (collection.startsWith('video.dreamreel.')) return true;
		if (collection === POST) return this.known.has(did) && (record === null || postVideo(record) !== undefined);
		if (this.known.has(did)) return true;
		return collection === FOLLOW && record !== null && this.known.has(String(record.subject));
	}

	/** One create/update (`record`) or delete (`null`) on an indexed collection; `valid` = passes the lexicon. */
	op(did: string, collection: string, rkey: string, record: Record<string, unknown> | null, valid: boolean): void {
		const uri = `at://${did}/${collection}/${rkey}`;
		if (!this.involves(did, collection, record)) return;
		this.revs.add(uri);
		if (!record || !valid) {
			if (record) this.rejected++;
			for (const set of [this.follows, this.likes, this.comments, this.crossposts]) set.delete(uri);
			this.clips.delete(uri);
			if (collection === CONSENT && rkey === 'self') this.consents.delete(did);
			return;
		}
		this.known.add(did);
		if (collection === FOLLOW) {
			this.known.add(String(record.subject));
			this.follows.add(uri);
		} else if (collection === CLIP || collection === REMIX) {
			this.clips.set(uri, { remix: collection === REMIX, cameos: new Set(record.cameos as string[] | undefined).size });
		} else if (collection === CONSENT && rkey === 'self') {
			this.consents.add(did);
		} else if (collection === LIKE) {
			this.likes.add(uri);
		} else if (collection === COMMENT) {
			this.comments.add(uri);
		} else if (collection === POST) {
			this.crossposts.add(uri);
		}
	}

	account(did: string, active: boolean): void {
		if (!this.known.has(did)) return;
		if (active) this.inactive.delete(did);
		else this.inactive.add(did);
	}

	expected(): ExpectedIndex {
		const clips = [...this.clips.values()];
		return {
			actors: this.known.size,
			inactiveActors: this.inactive.size,
			follows: this.follows.size,
			clips: clips.filter((c) => !c.remix).length,
			remixes: clips.filter((c) => c.remix).length,
			cameos: clips.reduce((n, c) => n + c.cameos, 0),
			consents: this.consents.size,
			likes: this.likes.size,
			comments: this.comments.size,
			crossposts: this.crossposts.size,
			recordRevs: this.revs.size,
			rejectedRecords: this.rejected,
		};
	}
}

type Pending = () => Promise<Uint8Array> | Uint8Array;

export async function generateStream(options: StreamOptions): Promise<Stream> {
	const rand = prng(options.seed);
	const int = (n: number) => Math.floor(rand() * n);
	const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
	const chance = (p: number) => rand() < p;

	// Accounts: authors are picked with a heavy skew (a few accounts write much of the stream);
	// follow subjects come from a wider population, popular accounts first.
	const did = (): string => `did:plc:${Array.from({ length: 24 }, () => B32[int(32)]).join('')}`;
	const population = Array.from({ length: options.authors * 5 }, did);
	const authors = population.slice(0, options.authors);
	const dreamreelUsers = Array.from({ length: options.dreamreelUsers }, (_, i) => authors[Math.floor((i * authors.length) / options.dreamreelUsers)]!);
	const author = () => authors[Math.floor(authors.length * rand() ** 3)]!;
	const subject = () => population[Math.floor(population.length * rand() ** 4)]!;
	const seen = new Set<string>();

	// Real CIDs and blob refs, shared across records (their values do not matter, only their form).
	const cids = await Promise.all(Array.from({ length: 256 }, (_, i) => recordCid({ i })));
	const images = await Promise.all(Array.from({ length: 64 }, (_, i) => blobRef(`image ${i}`, 'image/jpeg')));
	// Each clip its own video, as on the network: a shared one would make every clip's copy re-judge them all.
	let videos = 0;
	const newVideo = () => blobRef(`video ${videos++}`, 'video/mp4');
	const refusedVideo = await newVideo();
	const webm = await blobRef('a webm', 'video/webm');

	let micros = Date.parse('2026-11-25T12:00:00.000Z') * 1000;
	let seq = 1;
	const nextTid = () => tid((micros += 1 + int(40)), int(1024));
	const now = () => new Date(micros / 1000).toISOString();
	const text = (min: number, max: number) => {
		const words: string[] = [];
		for (let n = min + int(max - min); n > 0; n--) words.push(pick(WORDS));
		return words.join(' ');
	};
	const strongRef = (collection: string) => ({ uri: `at://${author()}/${collection}/${nextTid()}`, cid: pick(cids) });

	// Records live in these pools until deleted, so that deletes and remixes point at real ones.
	type Live = { did: string; rkey: string };
	const live: Record<'like' | 'post' | 'repost' | 'follow' | 'clipLike' | 'comment', Live[]> = {
		like: [],
		post: [],
		repost: [],
		follow: [],
		clipLike: [],
		comment: [],
	};
	type LiveClip = Live & { collection: string; cid: string; video: unknown };
	const liveClips: LiveClip[] = [];
	const clipRef = (c: LiveClip) => ({ uri: `at://${c.did}/${c.collection}/${c.rkey}`, cid: c.cid });
	const consenting = new Set<string>();
	const profiled = new Set<string>();
	const take = <T>(pool: T[]): T | undefined => (pool.length === 0 ? undefined : pool.splice(int(pool.length), 1)[0]);

	const model = new IndexModel();
	/** Tells the model about an op on a collection the index may keep. */
	const indexed = (d: string, collection: string, rkey: string, record: Record<string, unknown> | null, valid = true) =>
		model.op(d, collection, rkey, record, valid);

	const commit = (d: string, ops: FixtureOp[]): Pending => {
		seen.add(d);
		const input = { seq: seq++, did: d, rev: nextTid(), ops, time: now() };
		return () => commitFrame(input);
	};
	const create = (d: string, collection: string, record: Record<string, unknown>, rkey = nextTid()): Pending =>
		commit(d, [{ action: 'create', collection, rkey, record: { $type: collection, ...record } }]);

	const post = () => {
		const record: Record<string, unknown> = { text: text(3, 40), langs: ['en'], createdAt: now() };
		if (chance(0.3)) record.reply = { root: strongRef('app.bsky.feed.post'), parent: strongRef('app.bsky.feed.post') };
		if (chance(0.25)) {
			record.embed = {
				$type: 'app.bsky.embed.images',
				images: Array.from({ length: 1 + int(3) }, () => ({ alt: text(0, 12), image: pick(images), aspectRatio: { width: 1200, height: 900 } })),
			};
		} else if (chance(0.1)) {
			record.embed = { $type: 'app.bsky.embed.record', record: strongRef('app.bsky.feed.post') };
		}
		if (chance(0.15)) {
			record.facets = [{ index: { byteStart: 0, byteEnd: 8 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: pick(WORDS) }] }];
		}
		return record;
	};

	const clipRecord = (collection: string, video: unknown): Record<string, unknown> => {
		const record: Record<string, unknown> = {
			$type: collection,
			video,
			caption: text(0, 20),
			durationMs: 3000 + int(12_000),
			aspectRatio: { width: 9, height: 16 },
			remixPolicy: pick(['everyone', 'everyone', 'followers', 'mutuals', 'none']),
			langs: ['en'],
			tags: [pick(WORDS), pick(WORDS)],
			createdAt: now(),
		};
		if (chance(0.8)) {
			record.prompt = pick(PROMPTS);
			record.generator = { provider: pick(['fal', 'replicate', 'demo']), model: 'wan-2.5-t2v', seed: int(1e9) };
			record.labels = { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }] };
		}
		if (chance(0.3)) record.cameos = Array.from({ length: 1 + int(2) }, () => pick(dreamreelUsers));
		if (chance(0.3)) record.thumbnail = pick(images);
		if (collection === REMIX) {
			const ref = clipRef(pick(liveClips));
			record.parent = ref;
			record.root = ref;
		}
		return record;
	};

	const clip = async (collection: string, d = pick(dreamreelUsers)): Promise<Pending> => {
		const rkey = nextTid();
		const record = clipRecord(collection, await newVideo());
		liveClips.push({ did: d, rkey, collection, cid: await recordCid(record), video: record.video });
		indexed(d, collection, rkey, record);
		return commit(d, [{ action: 'create', collection, rkey, record }]);
	};

	const makers: Record<Kind, () => Pending | Promise<Pending>> = {
		like: () => {
			const d = author();
			const rkey = nextTid();
			live.like.push({ did: d, rkey });
			return create(d, 'app.bsky.feed.like', { subject: strongRef('app.bsky.feed.post'), createdAt: now() }, rkey);
		},
		post: () => {
			const d = author();
			const rkey = nextTid();
			const record = { $type: POST, ...post() };
			live.post.push({ did: d, rkey });
			indexed(d, POST, rkey, record);
			return commit(d, [{ action: 'create', collection: POST, rkey, record }]);
		},
		repost: () => {
			const d = author();
			const rkey = nextTid();
			live.repost.push({ did: d, rkey });
			return create(d, 'app.bsky.feed.repost', { subject: strongRef('app.bsky.feed.post'), createdAt: now() }, rkey);
		},
		'like delete': () => deleteOf('app.bsky.feed.like', live.like) ?? makers.like(),
		'post delete': () => {
			const gone = take(live.post);
			if (!gone) return makers.post();
			indexed(gone.did, POST, gone.rkey, null);
			return commit(gone.did, [{ action: 'delete', collection: POST, rkey: gone.rkey }]);
		},
		'repost delete': () => deleteOf('app.bsky.feed.repost', live.repost) ?? makers.repost(),
		block: () => create(author(), 'app.bsky.graph.block', { subject: subject(), createdAt: now() }),
		listitem: () =>
			create(author(), 'app.bsky.graph.listitem', { subject: subject(), list: strongRef('app.bsky.graph.list').uri, createdAt: now() }),
		'other app.bsky / chat.bsky': () =>
			pick<() => Pending>([
				() => create(author(), 'chat.bsky.actor.declaration', { allowIncoming: 'following' }, 'self'),
				() => create(author(), 'app.bsky.feed.postgate', { post: strongRef('app.bsky.feed.post').uri, createdAt: now(), embeddingRules: [] }),
				() => create(author(), 'app.bsky.graph.list', { name: text(1, 4), purpose: 'app.bsky.graph.defs#curatelist', createdAt: now() }),
				() => create(author(), 'app.bsky.feed.generator', { did: 'did:web:feeds.example', displayName: text(1, 3), createdAt: now() }),
			])(),
		'post + threadgate (2 ops)': () => {
			const d = author();
			const rkey = nextTid();
			const record = { $type: POST, ...post() };
			live.post.push({ did: d, rkey });
			indexed(d, POST, rkey, record);
			return commit(d, [
				{ action: 'create', collection: POST, rkey, record },
				{
					action: 'create',
					collection: 'app.bsky.feed.threadgate',
					rkey,
					record: { $type: 'app.bsky.feed.threadgate', post: `at://${d}/app.bsky.feed.post/${rkey}`, allow: [], createdAt: now() },
				},
			]);
		},
		follow: () => {
			const d = author();
			const rkey = nextTid();
			const record = { $type: FOLLOW, subject: subject(), createdAt: now() };
			live.follow.push({ did: d, rkey });
			indexed(d, FOLLOW, rkey, record);
			return commit(d, [{ action: 'create', collection: FOLLOW, rkey, record }]);
		},
		'follow delete': () => {
			const gone = take(live.follow);
			if (!gone) return makers.follow();
			indexed(gone.did, FOLLOW, gone.rkey, null);
			return commit(gone.did, [{ action: 'delete', collection: FOLLOW, rkey: gone.rkey }]);
		},
		profile: () => {
			const d = author();
			const record: Record<string, unknown> = {
				$type: PROFILE,
				displayName: text(1, 3).slice(0, 60),
				description: text(5, 30).slice(0, 250),
				avatar: pick(images),
				createdAt: now(),
			};
			if (chance(0.5)) record.banner = pick(images);
			const action = profiled.has(d) ? 'update' : 'create';
			profiled.add(d);
			indexed(d, PROFILE, 'self', record);
			return commit(d, [{ action, collection: PROFILE, rkey: 'self', record }]);
		},
		'#identity': () => {
			const d = chance(0.5) ? author() : subject();
			seen.add(d);
			const frame = identityFrame({ seq: seq++, did: d, handle: `user${int(1e6)}.bsky.social`, time: now() });
			return () => frame;
		},
		'#account': () => {
			const d = chance(0.5) ? author() : subject();
			const active = chance(0.4);
			seen.add(d);
			model.account(d, active);
			const frame = accountFrame({ seq: seq++, did: d, active, ...(active ? {} : { status: 'deactivated' }), time: now() });
			return () => frame;
		},
		'#sync': () => {
			const d = author();
			seen.add(d);
			const input = { seq: seq++, did: d, rev: nextTid(), time: now() };
			return () => syncFrame(input);
		},
		'dreamreel clip': () => clip(CLIP),
		'dreamreel remix': () => (liveClips.length === 0 ? clip(CLIP) : clip(REMIX)),
		'dreamreel consent': () => {
			const d = pick(dreamreelUsers);
			const audience = pick(['self', 'listed', 'mutuals', 'followers', 'everyone']);
			const record: Record<string, unknown> = { $type: CONSENT, audience, allowRemix: chance(0.7), createdAt: now() };
			if (audience === 'listed') record.allowed = Array.from({ length: 1 + int(5) }, () => pick(dreamreelUsers));
			if (chance(0.2)) record.expiresAt = new Date(micros / 1000 + 30 * 86_400_000).toISOString();
			const action = consenting.has(d) ? 'update' : 'create';
			consenting.add(d);
			indexed(d, CONSENT, 'self', record);
			return commit(d, [{ action, collection: CONSENT, rkey: 'self', record }]);
		},
		'dreamreel like': () => {
			if (liveClips.length === 0) return clip(CLIP);
			const d = pick(dreamreelUsers);
			const rkey = nextTid();
			const record = { $type: LIKE, subject: clipRef(pick(liveClips)), createdAt: now() };
			live.clipLike.push({ did: d, rkey });
			indexed(d, LIKE, rkey, record);
			return commit(d, [{ action: 'create', collection: LIKE, rkey, record }]);
		},
		'dreamreel comment': () => {
			if (liveClips.length === 0) return clip(CLIP);
			const d = pick(dreamreelUsers);
			const rkey = nextTid();
			const record: Record<string, unknown> = { $type: COMMENT, subject: clipRef(pick(liveClips)), text: text(2, 30), langs: ['en'], createdAt: now() };
			if (live.comment.length > 0 && chance(0.3)) {
				const parent = pick(live.comment);
				const ref = { uri: `at://${parent.did}/${COMMENT}/${parent.rkey}`, cid: pick(cids) };
				record.reply = { root: ref, parent: ref };
			}
			live.comment.push({ did: d, rkey });
			indexed(d, COMMENT, rkey, record);
			return commit(d, [{ action: 'create', collection: COMMENT, rkey, record }]);
		},
		'crosspost (post with a clip video)': () => {
			if (liveClips.length === 0) return clip(CLIP);
			const shared = pick(liveClips);
			const rkey = nextTid();
			const record = {
				$type: POST,
				text: text(3, 20),
				langs: ['en'],
				embed: { $type: 'app.bsky.embed.video', video: shared.video, aspectRatio: { width: 9, height: 16 } },
				createdAt: now(),
			};
			live.post.push({ did: shared.did, rkey });
			indexed(shared.did, POST, rkey, record);
			return commit(shared.did, [{ action: 'create', collection: POST, rkey, record }]);
		},
		'dreamreel like delete': () => {
			const gone = take(live.clipLike);
			if (!gone) return makers['dreamreel like']();
			indexed(gone.did, LIKE, gone.rkey, null);
			return commit(gone.did, [{ action: 'delete', collection: LIKE, rkey: gone.rkey }]);
		},
		'dreamreel clip update': () => {
			const target = liveClips.length === 0 ? undefined : pick(liveClips);
			if (!target) return clip(CLIP);
			const record = clipRecord(target.collection, target.video);
			indexed(target.did, target.collection, target.rkey, record);
			return commit(target.did, [{ action: 'update', collection: target.collection, rkey: target.rkey, record }]);
		},
		'dreamreel clip/remix delete': () => {
			const gone = take(liveClips);
			if (!gone) return clip(CLIP);
			indexed(gone.did, gone.collection, gone.rkey, null);
			return commit(gone.did, [{ action: 'delete', collection: gone.collection, rkey: gone.rkey }]);
		},
		'dreamreel consent delete': () => {
			const d = [...consenting][int(consenting.size)];
			if (d === undefined) return makers['dreamreel consent']();
			consenting.delete(d);
			indexed(d, CONSENT, 'self', null);
			return commit(d, [{ action: 'delete', collection: CONSENT, rkey: 'self' }]);
		},
		'dreamreel invalid record': () => {
			const d = pick(dreamreelUsers);
			const rkey = nextTid();
			const good = clipRecord(CLIP, refusedVideo);
			const { createdAt: _, ...undated } = good;
			const [collection, record] = pick<[string, Record<string, unknown>]>([
				[CLIP, { ...good, video: webm }], // not an mp4
				[CLIP, undated], // no createdAt
				[CLIP, { ...good, cameos: ['bob.bsky.social'] }], // a handle where a DID belongs
				[REMIX, { ...good, $type: REMIX }], // a remix without parent and root
				[CONSENT, { $type: CONSENT, audience: 'strangers', createdAt: now() }], // unknown audience
			]);
			const key = collection === CONSENT ? 'self' : rkey;
			if (collection === CONSENT) consenting.delete(d); // the invalid version replaces the grant
			indexed(d, collection, key, record, false);
			return commit(d, [{ action: collection === CONSENT ? 'update' : 'create', collection, rkey: key, record }]);
		},
	};

	const deleteOf = (collection: string, pool: Live[]): Pending | undefined => {
		const gone = take(pool);
		return gone && commit(gone.did, [{ action: 'delete', collection, rkey: gone.rkey }]);
	};

	// Cumulative weights for the draw.
	const total = MIX.reduce((n, [, w]) => n + w, 0);
	const bounds = MIX.map(([kind], i) => [kind, MIX.slice(0, i + 1).reduce((n, [, w]) => n + w, 0) / total] as const);
	const mix = new Map<string, number>(MIX.map(([kind]) => [kind, 0]));

	const pending: Pending[] = [];
	for (let i = 0; i < options.events; i++) {
		const r = rand();
		const kind = (bounds.find(([, bound]) => r < bound) ?? bounds.at(-1)!)[0];
		mix.set(kind, mix.get(kind)! + 1);
		pending.push(await makers[kind]());
	}

	// Encoding is independent per frame once the stream is decided: overlap the digests.
	const frames: Uint8Array[] = [];
	for (let i = 0; i < pending.length; i += 512) {
		frames.push(...(await Promise.all(pending.slice(i, i + 512).map((encode) => encode()))));
	}
	return {
		frames,
		mix,
		repos: [...seen],
		dreamreelUsers,
		bytes: frames.reduce((n, f) => n + f.length, 0),
		expected: model.expected(),
	};
}
