import gradients from './demo-clips/gradients.mp4';
import life from './demo-clips/life.mp4';
import mandelbrot from './demo-clips/mandelbrot.mp4';
import testcard from './demo-clips/testcard.mp4';
import { rawCid } from '../likeness/cid.ts';
import { ProviderError } from './errors.ts';
import { withLikenessMark } from './likeness-mark.ts';
import type { GenerationRequest, ProviderJob, ProviderStatus, VideoProvider, VideoResult } from './provider.ts';

/**
 * The committed sample clips (H.264, 360x640, 3 s), bundled into the Worker as Data modules by the
 * wrangler.toml `[[rules]]` for `*.mp4`. Typed unknown: without that rule a bundler hands back a URL string.
 */
const CLIPS: Record<string, unknown> = { gradients, life, mandelbrot, testcard };
const CLIP_NAMES = Object.keys(CLIPS);

export const DEMO_MODEL = 'demo-samples-1';
/** The share of the total time a demo job spends "in the queue" before it "runs". */
const QUEUED_SHARE = 0.2;
/** Start time, clip, nonce, then the CIDs of the likenesses it was shown (base32 CIDs, dot-separated). */
const ID = /^demo-([0-9a-z]+)-([a-z]+)-[0-9a-f]{8}(?:-([a-z2-7.]+))?$/;
const RESULT = /^demo:([a-z]+)\.mp4(?:\?likeness=([a-z2-7,]+))?$/;
/** A provider gives up on a reference it cannot fetch in this long. */
const REFERENCE_TIMEOUT_MS = 10_000;

export interface DemoOptions {
	/** How long a demo generation takes from submit to done. */
	totalMs?: number;
	now?: () => number;
	/** How references are fetched (the network, as a real provider would). */
	fetch?: typeof fetch;
}

/**
 * The offline provider, needing no secrets: it plays out queued → running → succeeded over `totalMs`
 * and returns one of the sample clips, picked from the prompt's hash. It does not depict the prompt
 * (or honour duration and aspect ratio); it is labelled `demo` wherever it is used. Featured people's
 * references are fetched from their URLs at submit, as a real provider does, and the clip it returns
 * carries the CID of each one it was shown (a `uuid` box appended to the MP4), so anyone can check whose
 * likeness went into it.
 */
export class DemoProvider implements VideoProvider {
	readonly name = 'demo';
	readonly model = DEMO_MODEL;
	/** Accepts sources so remix can be tried offline; they only feed the pick. */
	readonly capabilities = { sourceVideo: true, sourceImage: true, references: 10 };
	readonly #totalMs: number;
	readonly #now: () => number;
	readonly #fetch: typeof fetch;
	/** Memory only: a restarted isolate forgets, but the job keeps its own cancelled state. */
	readonly #cancelled = new Set<string>();

	constructor(options: DemoOptions = {}) {
		this.#totalMs = options.totalMs ?? 8_000;
		this.#now = options.now ?? Date.now;
		this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
	}

	/** The job's whole state is in its id (start time and clip), so any isolate can answer for it. */
	async create(request: GenerationRequest): Promise<ProviderJob> {
		const clip = CLIP_NAMES[fnv1a(`${request.prompt}\n${request.seed ?? ''}\n${request.sourceVideoUrl ?? ''}`) % CLIP_NAMES.length];
		const nonce = crypto.randomUUID().slice(0, 8);
		const likenesses = await Promise.all((request.referenceImageUrls ?? []).map((url) => this.#reference(url)));
		return { id: `demo-${this.#now().toString(36)}-${clip}-${nonce}${likenesses.length > 0 ? `-${likenesses.join('.')}` : ''}` };
	}

	/** The CID of the image at a reference URL; a reference that cannot be read fails the submit. */
	async #reference(url: string): Promise<string> {
		const response = await this.#fetch(url, { signal: AbortSignal.timeout(REFERENCE_TIMEOUT_MS) }).catch((error: unknown) => {
			throw new ProviderError('demo', `could not fetch a reference image: ${String(error)}`, true);
		});
		if (!response.ok || !response.headers.get('content-type')?.startsWith('image/')) {
			await response.body?.cancel();
			throw new ProviderError('demo', `a reference image answered ${response.status}`, false, response.status);
		}
		return rawCid(new Uint8Array(await response.arrayBuffer()));
	}

	async status(job: ProviderJob): Promise<ProviderStatus> {
		const { startedAt } = parseId(job.id);
		const elapsed = this.#now() - startedAt;
		if (this.#cancelled.has(job.id)) return { state: 'cancelled' };
		if (elapsed >= this.#totalMs) return { state: 'succeeded' };
		const queuedMs = this.#totalMs * QUEUED_SHARE;
		if (elapsed < queuedMs) return { state: 'queued', queuePosition: Math.max(0, Math.ceil(3 * (1 - elapsed / queuedMs)) - 1) };
		return { state: 'running', progress: Math.min(99, Math.floor((100 * (elapsed - queuedMs)) / (this.#totalMs - queuedMs))) };
	}

	async result(job: ProviderJob): Promise<VideoResult> {
		const { clip, likenesses } = parseId(job.id);
		const { state } = await this.status(job);
		if (state !== 'succeeded') throw new ProviderError('demo', `job ${job.id} is ${state}, not succeeded`, false);
		// Not fetchable on purpose: the bytes come from `download`, inside the Worker.
		const query = likenesses.length > 0 ? `?likeness=${likenesses.join(',')}` : '';
		return { videoUrl: `demo:${clip}.mp4${query}`, mimeType: 'video/mp4' };
	}

	async download(result: VideoResult): Promise<Response> {
		const match = RESULT.exec(result.videoUrl);
		const data = CLIPS[match?.[1] ?? ''];
		if (data === undefined) throw new ProviderError('demo', `no demo clip ${result.videoUrl}`, false);
		if (!(data instanceof ArrayBuffer)) {
			throw new Error('demo clips are not bundled as bytes: wrangler.toml needs [[rules]] type = "Data" for **/*.mp4');
		}
		const likenesses = match?.[2]?.split(',') ?? [];
		const bytes = likenesses.length > 0 ? withLikenessMark(new Uint8Array(data), likenesses) : new Uint8Array(data.slice(0));
		return new Response(bytes, { headers: { 'content-type': 'video/mp4', 'content-length': String(bytes.byteLength) } });
	}

	async cancel(job: ProviderJob): Promise<void> {
		if ((await this.status(job)).state !== 'succeeded') this.#cancelled.add(job.id);
	}
}

function parseId(id: string): { startedAt: number; clip: string; likenesses: string[] } {
	const match = ID.exec(id);
	const startedAt = match?.[1] ? parseInt(match[1], 36) : NaN;
	const clip = match?.[2];
	if (!clip || !CLIP_NAMES.includes(clip) || !Number.isFinite(startedAt)) {
		throw new ProviderError('demo', `no demo job ${id}`, false, 404);
	}
	return { startedAt, clip, likenesses: match?.[3]?.split('.') ?? [] };
}

/** FNV-1a: a stable, tiny string hash; the pick only needs to be deterministic, not secure. */
function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
	return hash;
}
