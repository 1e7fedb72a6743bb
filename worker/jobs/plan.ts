import { generationRequestSchema, type Capabilities } from '../providers/provider.ts';
import type { JobPlan, JobSpec } from './job.ts';
import type { ParentClip } from './permissions.ts';

/** The providers' request schema caps prompts shorter than the lexicon does. */
const MAX_PROMPT = generationRequestSchema.shape.prompt.maxLength ?? 4000;

/**
 * What goes to the provider. A remix hands the parent's video to providers that can start from one;
 * the others get a prompt that carries the parent's, so the remix still follows from it. Featured
 * people's likenesses go as reference image URLs (checked against the provider by featured.ts).
 */
export function planFor(spec: JobSpec, capabilities: Capabilities, parent?: ParentClip, referenceUrls: string[] = []): JobPlan {
	const base = { durationSeconds: spec.durationSeconds, aspectRatio: spec.aspectRatio, ...(referenceUrls.length > 0 ? { referenceImageUrls: referenceUrls } : {}) };
	if (!parent) return { request: { ...base, prompt: clip(spec.prompt) } };
	const lineage = { parent: { uri: parent.uri, cid: parent.cid }, root: parent.root };
	if (capabilities.sourceVideo && parent.mp4) {
		return { request: { ...base, prompt: clip(spec.prompt), sourceVideoUrl: parent.mp4 }, ...lineage };
	}
	return { request: { ...base, prompt: derivedPrompt(spec.prompt, parent.prompt) }, ...lineage };
}

/** The requester's change first (it must survive truncation), then what the parent showed. */
export function derivedPrompt(change: string, parentPrompt: string | undefined): string {
	if (!parentPrompt) return clip(change);
	return clip(`${change}\n\nA remix of an earlier clip, which showed: ${parentPrompt}`);
}

/** Cut on a code point, never inside a surrogate pair. */
function clip(text: string): string {
	if (text.length <= MAX_PROMPT) return text;
	return text.slice(0, MAX_PROMPT).replace(/[\uD800-\uDBFF]$/, '');
}
