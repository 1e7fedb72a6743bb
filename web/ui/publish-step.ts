import { clipPath } from '../../worker/pages/paths.ts';
import { publishAgent } from '../lib/publish-agent.ts';
import { publishJob, type PublishOptions } from '../lib/publish.ts';
import type { JobView } from '../lib/types.ts';
import type { ScreenContext } from './context.ts';
import { errorText, h } from './dom.ts';
import { captureFrame, seekTo } from './poster.ts';

const POLICIES: { value: NonNullable<PublishOptions['remixPolicy']>; label: string }[] = [
	{ value: 'everyone', label: 'Everyone' },
	{ value: 'followers', label: 'People who follow me' },
	{ value: 'mutuals', label: 'Mutual follows' },
	{ value: 'none', label: 'Nobody' },
];

/** The user's last answer to "Also post to Bluesky"; new users share by default. */
const SHARE_KEY = 'dreamreel:share-to-bluesky';

/**
 * The finished video, previewed from the job's private URL, then published: `publishJob` uploads it
 * and the chosen poster frame to the user's PDS, writes the clip (or remix) record in their repo and,
 * if they keep it ticked, a Bluesky post playing the same video. Published or discarded, the job
 * leaves the user's drafts.
 */
export function publishStep(ctx: ScreenContext, job: JobView, done: (published: boolean) => void): HTMLElement {
	const preview = h('video', { class: 'preview', src: job.result?.url, controls: true, autoplay: true, muted: true, loop: true, playsinline: true, 'aria-label': 'Preview of the generated video' });
	const caption = h('textarea', { id: 'caption', rows: 2, maxlength: 300, placeholder: 'Say something about it' });
	const policy = h('select', { id: 'remix-policy' }, POLICIES.map(({ value, label }) => h('option', { value }, label)));
	const frame = h('input', { id: 'poster-frame', type: 'range', min: 0, max: 1, step: 0.01, value: 0.1 });
	frame.addEventListener('input', () => void seekTo(preview, posterTime()));
	const share = h('input', { id: 'share-bluesky', type: 'checkbox', checked: localStorage.getItem(SHARE_KEY) !== 'false' });
	share.addEventListener('change', () => localStorage.setItem(SHARE_KEY, String(share.checked)));
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const publishButton = h('button', { type: 'submit', class: 'primary' }, 'Publish');
	const form = h(
		'form',
		{ class: 'publish-form form', onsubmit: (event: Event) => void submit(event) },
		h('label', { for: 'caption' }, 'Caption'),
		caption,
		h('label', { for: 'remix-policy' }, 'Who may remix it'),
		policy,
		h('label', { for: 'poster-frame' }, 'Poster frame'),
		frame,
		h('label', { class: 'check' }, share, 'Also post to Bluesky'),
		h('div', { class: 'actions' }, publishButton, h('button', { type: 'button', onclick: () => void discard() }, 'Discard')),
		status,
	);

	/** The chosen point of the video, in seconds. */
	function posterTime(): number {
		return (Number.isFinite(preview.duration) ? preview.duration : 0) * Number(frame.value);
	}

	async function submit(event: Event) {
		event.preventDefault();
		if (!ctx.session) return;
		publishButton.disabled = true;
		status.textContent = 'Publishing to your repo…';
		try {
			await seekTo(preview, posterTime());
			const poster = await captureFrame(preview);
			const appUrl = ctx.config.appUrl;
			await publishJob(publishAgent(ctx.session), job, {
				caption: caption.value.trim() || undefined,
				remixPolicy: policy.value as PublishOptions['remixPolicy'],
				...(poster ? { poster } : {}),
				...(share.checked ? { bluesky: { link: (clip) => `${appUrl}${clipPath(clip.uri) ?? '/'}` } } : {}),
			});
			// Published: no longer a draft. The clip is written; a failure here only leaves the draft listed.
			await ctx.api.dismissJob(job.id).catch(() => undefined);
			ctx.toast(share.checked ? 'Published, and posted to Bluesky.' : 'Published — it shows on your profile in a moment.');
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
