import { publishAgent } from '../lib/publish-agent.ts';
import { publishJob, type PublishOptions } from '../lib/publish.ts';
import type { JobView } from '../lib/types.ts';
import type { ScreenContext } from './context.ts';
import { errorText, h } from './dom.ts';

const POLICIES: { value: NonNullable<PublishOptions['remixPolicy']>; label: string }[] = [
	{ value: 'everyone', label: 'Everyone' },
	{ value: 'followers', label: 'People who follow me' },
	{ value: 'mutuals', label: 'Mutual follows' },
	{ value: 'none', label: 'Nobody' },
];

/**
 * The finished video, previewed from the job's private URL, then published: `publishJob` uploads it
 * to the user's PDS and writes the clip (or remix) record in their repo.
 */
export function publishStep(ctx: ScreenContext, job: JobView, done: (published: boolean) => void): HTMLElement {
	const preview = h('video', { class: 'preview', src: job.result?.url, controls: true, autoplay: true, muted: true, loop: true, playsinline: true, 'aria-label': 'Preview of the generated video' });
	const caption = h('textarea', { id: 'caption', rows: 2, maxlength: 300, placeholder: 'Say something about it' });
	const policy = h('select', { id: 'remix-policy' }, POLICIES.map(({ value, label }) => h('option', { value }, label)));
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const publishButton = h('button', { type: 'submit', class: 'primary' }, 'Publish');
	const form = h(
		'form',
		{ class: 'publish-form form', onsubmit: (event: Event) => void submit(event) },
		h('label', { for: 'caption' }, 'Caption'),
		caption,
		h('label', { for: 'remix-policy' }, 'Who may remix it'),
		policy,
		h('div', { class: 'actions' }, publishButton, h('button', { type: 'button', onclick: () => done(false) }, 'Discard')),
		status,
	);

	async function submit(event: Event) {
		event.preventDefault();
		if (!ctx.session) return;
		publishButton.disabled = true;
		status.textContent = 'Publishing to your repo…';
		try {
			await publishJob(publishAgent(ctx.session), job, {
				caption: caption.value.trim() || undefined,
				remixPolicy: policy.value as PublishOptions['remixPolicy'],
			});
			ctx.toast('Published — it shows on your profile in a moment.');
			done(true);
		} catch (error) {
			status.textContent = `Could not publish: ${errorText(error)}`;
			publishButton.disabled = false;
		}
	}

	return h('div', { class: 'publish' }, h('div', { class: 'preview-box' }, preview), form);
}
