import { publishAgent } from '../lib/publish-agent.ts';
import { recordForUpload, writeClip, type Recording } from '../lib/publish.ts';
import { cameoPicker } from './cameo-picker.ts';
import { href, type Screen, type ScreenContext } from './context.ts';
import { errorText, h } from './dom.ts';
import { publishControls } from './publish-controls.ts';

/** The clip lexicon's limits: an MP4 blob of at most 100 MB, at most 10 minutes long. */
const MAX_BYTES = 100_000_000;
const MAX_MS = 600_000;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * Upload a video one recorded: picked or dropped, checked (type, size, duration) before anything is
 * sent, uploaded to the user's PDS with a progress bar, then published as a clip like any other,
 * except that nothing labels it AI-generated.
 */
export function uploadScreen(ctx: ScreenContext): Screen {
	const session = ctx.session!;
	const input = h('input', { id: 'video-file', type: 'file', accept: 'video/mp4' });
	const drop = h('div', { class: 'drop card' }, h('label', { for: 'video-file' }, 'Video file (MP4, up to 100 MB and 10 minutes)'), input, h('p', { class: 'muted' }, 'or drop it here'));
	const problem = h('p', { class: 'error', role: 'alert' });
	const preview = h('video', { class: 'preview', controls: true, muted: true, playsinline: true, 'aria-label': 'Preview of your video' });
	const caption = h('textarea', { id: 'caption', rows: 2, maxlength: 300, placeholder: 'Say something about it' });
	const tags = h('input', { id: 'tags', placeholder: 'beach, morning' });
	const language = h('input', { id: 'language', value: navigator.language.split('-')[0] ?? '', maxlength: 20 });
	const cameos = cameoPicker(ctx.api, session);
	const controls = publishControls(ctx, preview);
	const bar = h('span', { class: 'progress-fill' });
	const progress = h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Upload', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, bar);
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const publish = h('button', { type: 'submit', class: 'primary' }, 'Upload and publish');
	const form = h(
		'form',
		{ class: 'card form', hidden: true, onsubmit: (event: Event) => void submit(event) },
		h('div', { class: 'preview-box' }, preview),
		h('label', { for: 'caption' }, 'Caption'),
		caption,
		h('label', { for: 'tags' }, 'Tags, separated by commas'),
		tags,
		h('label', { for: 'language' }, 'Language'),
		language,
		controls.el,
		cameos.el,
		progress,
		publish,
		status,
	);
	let file: File | undefined;
	let recording: Recording | undefined;

	input.addEventListener('change', () => void choose(input.files?.[0]));
	drop.addEventListener('dragover', (event) => event.preventDefault());
	drop.addEventListener('drop', (event) => {
		event.preventDefault();
		void choose(event.dataTransfer?.files[0]);
	});

	async function choose(picked: File | undefined) {
		form.hidden = true;
		problem.textContent = '';
		if (!picked) return;
		const checked = await check(picked, preview);
		if (typeof checked === 'string') {
			problem.textContent = checked;
			return;
		}
		[file, recording] = [picked, checked];
		form.hidden = false;
	}

	async function submit(event: Event) {
		event.preventDefault();
		if (!file || !recording) return;
		const tagList = tags.value.split(',').map((tag) => tag.trim()).filter(Boolean);
		if (tagList.length > 8 || tagList.some((tag) => tag.length > 64)) return void (status.textContent = 'At most 8 tags, each up to 64 characters.');
		if (language.value && !LANGUAGE.test(language.value)) return void (status.textContent = 'The language is a code such as en, fr or pt-BR.');
		publish.disabled = true;
		try {
			status.textContent = 'Uploading to your repo…';
			const poster = await controls.poster();
			const blob = await session.uploadBlob(file, (sent) => {
				progress.setAttribute('aria-valuenow', String(Math.round(sent * 100)));
				bar.style.transform = `scaleX(${sent})`;
			});
			status.textContent = 'Publishing…';
			const { collection, record } = recordForUpload(blob, { ...recording, cameos: cameos.selected() }, {
				caption: caption.value.trim() || undefined,
				remixPolicy: controls.remixPolicy(),
				tags: tagList,
				langs: language.value ? [language.value] : [],
			});
			const bluesky = controls.bluesky();
			await writeClip(publishAgent(session), collection, record, { ...(poster ? { poster } : {}), ...(bluesky ? { bluesky } : {}) });
			ctx.toast('Published — it shows on your profile in a moment.');
			ctx.navigate(href.profile(session.handle));
		} catch (error) {
			status.textContent = `Could not publish: ${errorText(error)}`;
			publish.disabled = false;
		}
	}

	return {
		el: h('div', { class: 'page narrow' }, h('h1', null, 'Upload'), drop, problem, form),
		title: 'Upload',
		destroy: () => URL.revokeObjectURL(preview.src),
	};
}

/** The file's duration and shape, read by the browser; or why it cannot be a clip. */
async function check(file: File, preview: HTMLVideoElement): Promise<Recording | string> {
	if (file.type !== 'video/mp4') return `${file.name} is not an MP4 video (${file.type || 'unknown type'}).`;
	if (file.size > MAX_BYTES) return `${file.name} has ${(file.size / 1e6).toFixed(1)} MB; clips are at most 100 MB.`;
	URL.revokeObjectURL(preview.src);
	preview.src = URL.createObjectURL(file);
	const loaded = await new Promise<boolean>((resolve) => {
		preview.addEventListener('loadeddata', () => resolve(true), { once: true });
		preview.addEventListener('error', () => resolve(false), { once: true });
	});
	const durationMs = Math.round(preview.duration * 1000);
	if (!loaded || !preview.videoWidth || !Number.isFinite(durationMs) || durationMs < 1) return `${file.name} could not be played here.`;
	if (durationMs > MAX_MS) return `${file.name} lasts ${Math.round(durationMs / 1000)} s; clips are at most 10 minutes.`;
	return { durationMs, aspectRatio: reduced(preview.videoWidth, preview.videoHeight) };
}

/** 1080×1920 → 9:16. */
function reduced(width: number, height: number): { width: number; height: number } {
	const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
	const d = gcd(width, height);
	return { width: width / d, height: height / d };
}
