import { publishAgent } from '../lib/publish-agent.ts';
import { publishJob } from '../lib/publish.ts';
import type { JobView } from '../lib/types.ts';
import type { ScreenContext } from './context.ts';
import { errorText, h } from './dom.ts';
import { publishControls } from './publish-controls.ts';

/**
 * The finished video, previewed from the job's private URL, then published: `publishJob` uploads it
 * and the chosen poster frame to the user's PDS, writes the clip (or remix) record in their repo and,
 * if they keep it ticked, a Bluesky post playing the same video. Published or discarded, the job
 * leaves the user's drafts.
 */
export function publishStep(ctx: ScreenContext, job: JobView, done: (published: boolean) => void): HTMLElement {
	const preview = h('video', { class: 'preview', src: job.result?.url, controls: true, autoplay: true, muted: true, loop: true, playsinline: true, 'aria-label': 'Preview of the generated video' });
	const caption = h('textarea', { id: 'caption', rows: 2, maxlength: 300, placeholder: 'Say something about it' });
	const controls = publishControls(ctx, preview);
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const publishButton = h('button', { type: 'submit', class: 'primary' }, 'Publish');
	const form = h(
		'form',
		{ class: 'publish-form form', onsubmit: (event: Event) => void submit(event) },
		h('label', { for: 'caption' }, 'Caption'),
		caption,
		controls.el,
		h('div', { class: 'actions' }, publishButton, h('button', { type: 'button', onclick: () => void discard() }, 'Discard')),
		status,
	);

	async function submit(event: Event) {
		event.preventDefault();
		if (!ctx.session) return;
		publishButton.disabled = true;
		status.textContent = 'Publishing to your repo…';
		try {
			const poster = await controls.poster();
			const bluesky = controls.bluesky();
			await publishJob(publishAgent(ctx.session), job, {
				caption: caption.value.trim() || undefined,
				remixPolicy: controls.remixPolicy(),
				...(poster ? { poster } : {}),
				...(bluesky ? { bluesky } : {}),
			});
			// Published: no longer a draft. The clip is written; a failure here only leaves the draft listed.
			await ctx.api.dismissJob(job.id).catch(() => undefined);
			ctx.toast(bluesky ? 'Published, and posted to Bluesky.' : 'Published — it shows on your profile in a moment.');
			done(true);
		} catch (error) {
			status.textContent = `Could not publish: ${errorText(error)}`;
			publishButton.disabled = false;
		}
	}

	async function discard() {
		try {
			await ctx.api.dismissJob(job.id);
			done(false);
		} catch (error) {
			status.textContent = `Could not discard: ${errorText(error)}`;
		}
	}

	return h('div', { class: 'publish' }, h('div', { class: 'preview-box' }, preview), form);
}
