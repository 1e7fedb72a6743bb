/**
 * Publishing a finished generation: the video goes into the user's own repo, as a blob on their
 * PDS and a `video.dreamreel.clip` (or `.remix`) record, written by the user's client with the
 * user's credentials. Dreamreel only held the file for them; the network then indexes the record
 * like any other.
 *
 * Plain browser TypeScript (fetch, no Node APIs, nothing imported but NSIDs): the web client and the
 * tests share it.
 */
import { CLIP, EMBED_VIDEO, POST, REMIX, type StrongRef } from '../../worker/nsid.ts';

/** What this helper reads of a `video.dreamreel.defs#jobView` (from generate or getJob). */
export interface PublishableJob {
	id: string;
	status: string;
	prompt: string;
	provider: string;
	model: string;
	durationSeconds?: number;
	aspectRatio?: string;
	cameos?: string[];
	remixOf?: StrongRef;
	root?: StrongRef;
	result?: {
		url: string;
		mimeType: string;
		size: number;
		durationMs?: number;
		aspectRatio?: { width: number; height: number };
	};
}

/**
 * The two calls used of an AT-Proto client, as `@atproto/api`'s `AtpAgent` (or `Agent`) has them;
 * any client offering them works.
 */
export interface PublishAgent {
	/** The signed-in account. */
	readonly did?: string;
	uploadBlob(data: Uint8Array, opts?: { encoding?: string }): Promise<{ data: { blob: unknown } }>;
	com: {
		atproto: {
			repo: {
				createRecord(input: { repo: string; collection: string; record: Record<string, unknown> }): Promise<{ data: StrongRef }>;
			};
		};
	};
}

export interface PublishOptions {
	caption?: string;
	/** Who may remix the published clip; the lexicon's default is everyone. */
	remixPolicy?: 'everyone' | 'followers' | 'mutuals' | 'none';
	langs?: string[];
	tags?: string[];
	/** A still of the video (JPEG, PNG or WebP, at most 1 MB), uploaded as the record's `thumbnail`. */
	poster?: Poster;
	/**
	 * Also shares the clip on Bluesky: an `app.bsky.feed.post` playing the same blob (any Bluesky
	 * client plays it, and Dreamreel's feed generator serves it), linking to `link(clip)`.
	 */
	bluesky?: { link: (clip: StrongRef) => string };
	/** Replaces the global fetch that downloads the video (tests, service workers). */
	fetch?: typeof fetch;
	signal?: AbortSignal;
}

export interface Poster {
	bytes: Uint8Array;
	mimeType: 'image/jpeg' | 'image/png' | 'image/webp';
}

/** What publishing wrote: the clip (or remix) record, and the Bluesky post when one was asked for. */
export interface Published {
	clip: StrongRef;
	post?: StrongRef;
}

/** The clip lexicon's limit for `thumbnail`. */
export const MAX_POSTER_BYTES = 1_000_000;

export class PublishError extends Error {
	override readonly name = 'PublishError';
}

/** Downloads the job's video, uploads it (and its poster) to the user's PDS and writes the record, then the Bluesky post if asked. */
export async function publishJob(agent: PublishAgent, job: PublishableJob, options: PublishOptions = {}): Promise<Published> {
	const result = job.result;
	if (job.status !== 'ready' || !result) throw new PublishError(`job ${job.id} is ${job.status}, not ready to publish`);
	if (!agent.did) throw new PublishError('the agent has no signed-in account');
	checkPoster(options.poster);
	const response = await (options.fetch ?? fetch)(result.url, { signal: options.signal });
	if (!response.ok) throw new PublishError(`fetching the video answered ${response.status} (held videos expire after a while)`);
	const bytes = new Uint8Array(await response.arrayBuffer());
	if (bytes.byteLength !== result.size) throw new PublishError(`the video has ${bytes.byteLength} bytes, the job said ${result.size}`);
	const { data } = await agent.uploadBlob(bytes, { encoding: result.mimeType });
	const { collection, record } = recordForJob(job, data.blob, options);
	return writeClip(agent, collection, record, options);
}

/**
 * Writes a clip (or remix) record around a video blob already uploaded: its poster first (the
 * record's `thumbnail`), then the record, then, if asked, the Bluesky post sharing it.
 */
export async function writeClip(agent: PublishAgent, collection: string, record: Record<string, unknown>, options: Pick<PublishOptions, 'poster' | 'bluesky'>): Promise<Published> {
	if (!agent.did) throw new PublishError('the agent has no signed-in account');
	const { poster, bluesky } = options;
	checkPoster(poster);
	const thumbnail = poster && (await agent.uploadBlob(poster.bytes, { encoding: poster.mimeType })).data.blob;
	const written = { ...record, ...(thumbnail ? { thumbnail } : {}) };
	const created = await agent.com.atproto.repo.createRecord({ repo: agent.did, collection, record: written });
	const clip = { uri: created.data.uri, cid: created.data.cid };
	if (!bluesky) return { clip };
	const shared = await agent.com.atproto.repo.createRecord({ repo: agent.did, collection: POST, record: blueskyPost(written, bluesky.link(clip)) });
	return { clip, post: { uri: shared.data.uri, cid: shared.data.cid } };
}

/** Refused before anything is uploaded: the index would refuse the record anyway. */
function checkPoster(poster: Poster | undefined): void {
	if (poster && poster.bytes.byteLength > MAX_POSTER_BYTES) throw new PublishError(`the poster has ${poster.bytes.byteLength} bytes, at most ${MAX_POSTER_BYTES}`);
}

/** Bluesky's limit for a post's text, in graphemes (code points are never fewer). */
const POST_GRAPHEMES = 300;

/**
 * The `app.bsky.feed.post` sharing a clip record: its caption and a link back (a link facet, so
 * every client makes it clickable), and the clip's own video blob as `app.bsky.embed.video` with its
 * aspect ratio and alt text. Self-labels go along, so `ai-generated` stays said on Bluesky too.
 */
export function blueskyPost(clip: Record<string, unknown>, link: string): Record<string, unknown> {
	const caption = typeof clip.caption === 'string' ? clip.caption : '';
	const room = POST_GRAPHEMES - [...link].length - 2;
	const said = [...caption].length > room ? `${[...caption].slice(0, room - 1).join('')}…` : caption;
	const before = said ? `${said}\n\n` : '';
	const byteStart = new TextEncoder().encode(before).byteLength;
	const alt = caption || (typeof clip.prompt === 'string' ? clip.prompt : '') || 'A Dreamreel clip';
	return {
		$type: POST,
		text: `${before}${link}`,
		facets: [{ index: { byteStart, byteEnd: byteStart + new TextEncoder().encode(link).byteLength }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: link }] }],
		embed: { $type: EMBED_VIDEO, video: clip.video, alt: [...alt].slice(0, 1000).join(''), ...(clip.aspectRatio ? { aspectRatio: clip.aspectRatio } : {}) },
		...(clip.langs ? { langs: clip.langs } : {}),
		...(clip.tags ? { tags: clip.tags } : {}),
		...(clip.labels ? { labels: clip.labels } : {}),
		createdAt: new Date().toISOString(),
	};
}

/** The record a job publishes as, around an uploaded blob: a remix when the job remixed a clip. */
export function recordForJob(job: PublishableJob, blob: unknown, options: RecordOptions = {}) {
	const remix = job.remixOf && job.root ? { parent: strongRef(job.remixOf), root: strongRef(job.root) } : undefined;
	const collection = remix ? REMIX : CLIP;
	const seconds = job.durationSeconds ?? 5;
	const record: Record<string, unknown> = {
		$type: collection,
		video: blob,
		prompt: job.prompt,
		generator: { provider: job.provider, model: job.model },
		// What the file says when it could be read; otherwise what was asked for.
		durationMs: job.result?.durationMs ?? seconds * 1000,
		aspectRatio: job.result?.aspectRatio ?? ratioOf(job.aspectRatio ?? '9:16'),
		...(job.cameos && job.cameos.length > 0 ? { cameos: job.cameos } : {}),
		labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }] },
		...said(options),
		...remix,
		createdAt: new Date().toISOString(),
	};
	return { collection, record };
}

/** What the author says of a clip, whatever made it. */
type RecordOptions = Pick<PublishOptions, 'caption' | 'remixPolicy' | 'langs' | 'tags'>;

function said(options: RecordOptions): Record<string, unknown> {
	return {
		...(options.caption ? { caption: options.caption } : {}),
		...(options.remixPolicy ? { remixPolicy: options.remixPolicy } : {}),
		...(options.langs?.length ? { langs: options.langs } : {}),
		...(options.tags?.length ? { tags: options.tags } : {}),
	};
}

/** What a recorded video is, as its file says. */
export interface Recording {
	durationMs: number;
	aspectRatio: { width: number; height: number };
	cameos?: string[];
}

/**
 * The clip record of a recorded video: no prompt, no generator, and no `ai-generated` label, since
 * nothing generated it. Cameos follow the same consent rules in the index as generated clips.
 */
export function recordForUpload(blob: unknown, recording: Recording, options: RecordOptions = {}) {
	const record: Record<string, unknown> = {
		$type: CLIP,
		video: blob,
		durationMs: recording.durationMs,
		aspectRatio: recording.aspectRatio,
		...(recording.cameos?.length ? { cameos: recording.cameos } : {}),
		...said(options),
		createdAt: new Date().toISOString(),
	};
	return { collection: CLIP, record };
}

function strongRef(ref: StrongRef): StrongRef {
	return { uri: ref.uri, cid: ref.cid };
}

/** "9:16" → { width: 9, height: 16 }. */
function ratioOf(text: string): { width: number; height: number } {
	const [width, height] = text.split(':').map(Number);
	return width && height ? { width, height } : { width: 9, height: 16 };
}
