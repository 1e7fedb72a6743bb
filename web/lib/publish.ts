/**
 * Publishing a finished generation: the video goes into the user's own repo, as a blob on their
 * PDS and a `video.dreamreel.clip` (or `.remix`) record, written by the user's client with the
 * user's credentials. Dreamreel only held the file for them; the network then indexes the record
 * like any other.
 *
 * Plain browser TypeScript (fetch, no Node APIs, nothing imported but NSIDs): the web client and the
 * tests share it.
 */
import { CLIP, REMIX, type StrongRef } from '../../worker/nsid.ts';

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
	/** Replaces the global fetch that downloads the video (tests, service workers). */
	fetch?: typeof fetch;
	signal?: AbortSignal;
}

export class PublishError extends Error {
	override readonly name = 'PublishError';
}

/** Downloads the job's video, uploads it to the user's PDS and writes the record: the new clip's { uri, cid }. */
export async function publishJob(agent: PublishAgent, job: PublishableJob, options: PublishOptions = {}): Promise<StrongRef> {
	const result = job.result;
	if (job.status !== 'ready' || !result) throw new PublishError(`job ${job.id} is ${job.status}, not ready to publish`);
	if (!agent.did) throw new PublishError('the agent has no signed-in account');
	const response = await (options.fetch ?? fetch)(result.url, { signal: options.signal });
	if (!response.ok) throw new PublishError(`fetching the video answered ${response.status} (held videos expire after a while)`);
	const bytes = new Uint8Array(await response.arrayBuffer());
	if (bytes.byteLength !== result.size) throw new PublishError(`the video has ${bytes.byteLength} bytes, the job said ${result.size}`);
	const { data } = await agent.uploadBlob(bytes, { encoding: result.mimeType });
	const { collection, record } = recordForJob(job, data.blob, options);
	const created = await agent.com.atproto.repo.createRecord({ repo: agent.did, collection, record });
	return { uri: created.data.uri, cid: created.data.cid };
}

/** The record a job publishes as, around an uploaded blob: a remix when the job remixed a clip. */
export function recordForJob(job: PublishableJob, blob: unknown, options: Omit<PublishOptions, 'fetch' | 'signal'> = {}) {
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
		...(options.caption ? { caption: options.caption } : {}),
		...(options.remixPolicy ? { remixPolicy: options.remixPolicy } : {}),
		...(options.langs?.length ? { langs: options.langs } : {}),
		...(options.tags?.length ? { tags: options.tags } : {}),
		...remix,
		createdAt: new Date().toISOString(),
	};
	return { collection, record };
}

function strongRef(ref: StrongRef): StrongRef {
	return { uri: ref.uri, cid: ref.cid };
}

/** "9:16" → { width: 9, height: 16 }. */
function ratioOf(text: string): { width: number; height: number } {
	const [width, height] = text.split(':').map(Number);
	return width && height ? { width, height } : { width: 9, height: 16 };
}
