import gradients from './demo-clips/gradients.mp4';
import life from './demo-clips/life.mp4';
import mandelbrot from './demo-clips/mandelbrot.mp4';
import testcard from './demo-clips/testcard.mp4';
import { ProviderError } from './errors.ts';
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
const ID = /^demo-([0-9a-z]+)-([a-z]+)-[0-9a-f]{8}$/;

export interface DemoOptions {
	/** How long a demo generation takes from submit to done. */
	totalMs?: number;
	now?: () => number;
}

/**
 * The offline provider, needing no secrets: it plays out queued → running → succeeded over `totalMs`
 * and returns one of the sample clips, picked from the prompt's hash. It does not depict the prompt
 * (or honour duration and aspect ratio); it is labelled `demo` wherever it is used.
 */
export class DemoProvider implements VideoProvider {
	readonly name = 'demo';
	readonly model = DEMO_MODEL;
	/** Accepts sources so remix can be tried offline; they only feed the pick. */
	readonly capabilities = { sourceVideo: true, sourceImage: true };
	readonly #totalMs: number;
	readonly #now: () => number;
	/** Memory only: a restarted isolate forgets, but the job keeps its own cancelled state. */
	readonly #cancelled = new Set<string>();

	constructor(options: DemoOptions = {}) {
		this.#totalMs = options.totalMs ?? 8_000;
		this.#now = options.now ?? Date.now;
	}

	/** The job's whole state is in its id (start time and clip), so any isolate can answer for it. */
	async create(request: GenerationRequest): Promise<ProviderJob> {
		const clip = CLIP_NAMES[fnv1a(`${request.prompt}\n${request.seed ?? ''}\n${request.sourceVideoUrl ?? ''}`) % CLIP_NAMES.length];
		const nonce = crypto.randomUUID().slice(0, 8);
		return { id: `demo-${this.#now().toString(36)}-${clip}-${nonce}` };
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
		const { clip } = parseId(job.id);
		const { state } = await this.status(job);
		if (state !== 'succeeded') throw new ProviderError('demo', `job ${job.id} is ${state}, not succeeded`, false);
		// Not fetchable on purpose: the bytes come from `download`, inside the Worker.
		return { videoUrl: `demo:${clip}.mp4`, mimeType: 'video/mp4' };
	}

	async download(result: VideoResult): Promise<Response> {
		const data = CLIPS[/^demo:([a-z]+)\.mp4$/.exec(result.videoUrl)?.[1] ?? ''];
		if (data === undefined) throw new ProviderError('demo', `no demo clip ${result.videoUrl}`, false);
		if (!(data instanceof ArrayBuffer)) {
			throw new Error('demo clips are not bundled as bytes: wrangler.toml needs [[rules]] type = "Data" for **/*.mp4');
		}
		return new Response(data.slice(0), { headers: { 'content-type': 'video/mp4', 'content-length': String(data.byteLength) } });
	}

	async cancel(job: ProviderJob): Promise<void> {
		if ((await this.status(job)).state !== 'succeeded') this.#cancelled.add(job.id);
	}
}

function parseId(id: string): { startedAt: number; clip: string } {
	const match = ID.exec(id);
	const startedAt = match?.[1] ? parseInt(match[1], 36) : NaN;
	const clip = match?.[2];
	if (!clip || !CLIP_NAMES.includes(clip) || !Number.isFinite(startedAt)) {
		throw new ProviderError('demo', `no demo job ${id}`, false, 404);
	}
	return { startedAt, clip };
}

/** FNV-1a: a stable, tiny string hash; the pick only needs to be deterministic, not secure. */
function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
	return hash;
}
