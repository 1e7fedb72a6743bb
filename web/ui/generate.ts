import { isFinished, watchJob } from '../lib/jobs.ts';
import type { ClipView, GenerateInput, JobView } from '../lib/types.ts';
import { recordOf } from '../lib/types.ts';
import { ClientResponseError } from '@atcute/client';
import { cameoPicker } from './cameo-picker.ts';
import { remixRefusal } from './consent-text.ts';
import { actorOf, href, type ScreenContext, type Screen } from './context.ts';
import { errorText, fill, h } from './dom.ts';
import { publishStep } from './publish-step.ts';
import { clipTile } from './tile.ts';

const RATIOS = [
	{ value: '9:16', label: 'Vertical' },
	{ value: '16:9', label: 'Landscape' },
	{ value: '1:1', label: 'Square' },
] as const;

const STATUS_TEXT: Record<string, string> = {
	queued: 'Queued',
	consent_checked: 'Consent checked',
	submitted: 'Submitted',
	rendering: 'Rendering',
	stored: 'Saving the video',
	ready: 'Ready',
	failed: 'Failed',
	cancelled: 'Cancelled',
};

/**
 * Generate: prompt, duration, aspect ratio and cameos go to `video.dreamreel.generate` (through the
 * user's PDS); the job's progress arrives over its WebSocket; a finished video is previewed and
 * published into the user's own repo. A remix starts from its parent, prefilled. The newest job
 * still running or waiting to be published (`listJobs`, kept by the server) is picked up again after
 * a reload; older ones wait in Drafts.
 */
export function generateScreen(ctx: ScreenContext, remixOf: string | undefined): Screen {
	const session = ctx.session!;
	let stopWatching: (() => void) | undefined;
	let idempotencyKey = crypto.randomUUID();

	const prompt = h('textarea', { id: 'prompt', name: 'prompt', rows: 4, required: true, maxlength: 2000, placeholder: 'A paper boat sails through a city of clouds at sunrise' });
	const duration = h('input', { id: 'duration', name: 'duration', type: 'range', min: 1, max: 20, step: 1, value: 5 });
	const durationOut = h('output', { for: 'duration', class: 'duration-out' }, '5 s');
	duration.addEventListener('input', () => (durationOut.textContent = `${duration.value} s`));
	const ratios = h(
		'fieldset',
		{ class: 'ratios' },
		h('legend', null, 'Aspect ratio'),
		RATIOS.map(({ value, label }, i) =>
			h('label', { class: 'ratio' }, h('input', { type: 'radio', name: 'aspect', value, checked: i === 0 }), h('span', { class: `ratio-box ratio-${value.replace(':', 'x')}`, 'aria-hidden': 'true' }), `${label} ${value}`),
		),
	);
	const cameos = cameoPicker(ctx.api, session);
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', class: 'primary' }, remixOf ? 'Generate remix' : 'Generate');
	const parentBox = h('div', { class: 'parent' });
	const form = h(
		'form',
		{ class: 'card form generate-form', onsubmit: (event: Event) => void start(event) },
		parentBox,
		h('label', { for: 'prompt' }, remixOf ? 'What should change?' : 'Prompt'),
		prompt,
		h('div', { class: 'inline' }, h('label', { for: 'duration' }, 'Duration'), duration, durationOut),
		ratios,
		cameos.el,
		submit,
		status,
	);
	const jobPanel = h('section', { class: 'card job', hidden: true, 'aria-labelledby': 'job-title' });

	// Followed people are the likely cameos; they are listed (not picked) with their consent state.
	ctx.api.follows(20).then(
		(dids) => cameos.add(dids),
		() => undefined,
	);

	if (remixOf) void loadParent(remixOf);

	async function loadParent(uri: string) {
		fill(parentBox, h('p', { class: 'muted' }, 'Loading the clip you are remixing…'));
		let parent: ClipView;
		try {
			parent = await ctx.api.clip(uri);
		} catch (error) {
			fill(parentBox, h('p', { class: 'error' }, `Cannot remix this clip: ${errorText(error)}`));
			submit.disabled = true;
			return;
		}
		if (parent.viewer?.canRemix === false) {
			fill(parentBox, h('p', { class: 'error' }, `Cannot remix this clip: ${remixRefusal(parent, session.did)}.`));
			submit.disabled = true;
			return;
		}
		const record = recordOf(parent);
		fill(
			parentBox,
			h('p', { class: 'parent-title' }, 'Remixing'),
			h('div', { class: 'row' }, clipTile(parent), h('div', { class: 'row-text' }, h('a', { class: 'author', href: href.profile(actorOf(parent.author)) }, `@${parent.author.handle}`), record.caption && h('p', null, record.caption))),
		);
		if (record.prompt && !prompt.value) prompt.value = record.prompt;
		if (record.durationMs) {
			duration.value = String(Math.min(20, Math.max(1, Math.round(record.durationMs / 1000))));
			durationOut.textContent = `${duration.value} s`;
		}
		const ratio = record.aspectRatio ? `${record.aspectRatio.width}:${record.aspectRatio.height}` : undefined;
		for (const radio of ratios.querySelectorAll<HTMLInputElement>('input')) if (ratio && radio.value === ratio) radio.checked = true;
		if (record.cameos?.length) cameos.add(record.cameos, true);
	}

	async function start(event: Event) {
		event.preventDefault();
		submit.disabled = true;
		status.textContent = 'Starting…';
		try {
			const aspectRatio = ratios.querySelector<HTMLInputElement>('input:checked')?.value ?? '9:16';
			const job = await ctx.api.generate({
				prompt: prompt.value.trim(),
				durationSeconds: Number(duration.value),
				aspectRatio,
				cameos: cameos.selected() as GenerateInput['cameos'],
				...(remixOf ? { remixOf: remixOf as GenerateInput['remixOf'] } : {}),
				idempotencyKey,
			});
			idempotencyKey = crypto.randomUUID();
			status.textContent = '';
			follow(job);
		} catch (error) {
			status.textContent = error instanceof ClientResponseError ? `${error.description ?? error.error} (${error.error})` : errorText(error);
		} finally {
			submit.disabled = false;
		}
	}

	function follow(first: JobView) {
		form.hidden = true;
		jobPanel.hidden = false;
		const bar = h('span', { class: 'progress-fill' });
		const progress = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'aria-labelledby': 'job-title' }, bar);
		const percent = h('span', { class: 'percent' }, '0 %');
		const line = h('p', { class: 'job-status', role: 'status', 'aria-live': 'polite' });
		const cancel = h('button', { type: 'button', onclick: () => void cancelJob(first.id) }, 'Cancel');
		const after = h('div', { class: 'job-after' });
		const title = h('h2', { id: 'job-title' }, first.remixOf ? 'Generating your remix' : 'Generating');
		fill(
			jobPanel,
			title,
			h('p', { class: 'job-prompt' }, `“${first.prompt}”`),
			h('div', { class: 'progress-row' }, progress, percent),
			line,
			h('div', { class: 'actions' }, cancel),
			after,
		);
		let ended = false;
		const show = (job: JobView) => {
			// The socket and a poll may both bring the final state: the publish form is built once.
			if (ended) return;
			progress.setAttribute('aria-valuenow', String(job.progress));
			bar.style.transform = `scaleX(${job.progress / 100})`;
			percent.textContent = `${job.progress} %`;
			const queue = job.status === 'queued' && job.queuePosition !== undefined ? ` — ${job.queuePosition} ahead of you` : '';
			line.textContent = `${STATUS_TEXT[job.status] ?? job.status}${queue} · ${job.provider} · ${job.model}`;
			jobPanel.dataset.status = job.status;
			if (!isFinished(job)) return;
			ended = true;
			cancel.remove();
			if (job.status === 'ready') {
				title.textContent = job.remixOf ? 'Your remix is ready' : 'Your clip is ready';
				fill(after, publishStep(ctx, job, finished));
			} else {
				line.textContent = job.status === 'failed' ? `Failed: ${job.error ?? 'the provider gave no reason'}` : 'Cancelled.';
				fill(after, h('button', { type: 'button', class: 'primary', onclick: () => finished(false) }, 'Start over'));
			}
		};
		show(first);
		stopWatching?.();
		if (!ended) stopWatching = watchJob(ctx.api, first.id, show, (error) => (line.textContent = `Reconnecting… (${errorText(error)})`));
	}

	async function cancelJob(id: string) {
		try {
			await ctx.api.cancelJob(id);
		} catch (error) {
			ctx.toast(`Could not cancel: ${errorText(error)}`);
		}
	}

	/** The job is done with (published or abandoned): back to an empty form. */
	function finished(published: boolean) {
		stopWatching?.();
		if (published) {
			ctx.navigate(href.profile(session.handle));
			return;
		}
		jobPanel.hidden = true;
		form.hidden = false;
		prompt.focus();
	}

	// A job from before a reload: show it again rather than a blank form.
	ctx.api.jobs().then(
		({ jobs: [newest] }) => {
			const resumable = newest && (newest.status === 'ready' ? !!newest.result : !isFinished(newest));
			if (resumable && newest.remixOf?.uri === remixOf && jobPanel.hidden) follow(newest);
		},
		() => undefined,
	);

	queueMicrotask(() => prompt.focus({ preventScroll: true }));
	return {
		el: h('div', { class: 'page narrow' }, h('h1', null, remixOf ? 'Remix' : 'Create'), h('p', { class: 'create-links' }, h('a', { href: href.upload() }, 'Upload a video you recorded'), ' · ', h('a', { href: href.drafts() }, 'Your drafts')), form, jobPanel),
		title: remixOf ? 'Remix' : 'Create',
		destroy: () => stopWatching?.(),
	};
}
