import type { LikenessView } from '../lib/types.ts';
import type { ScreenContext } from './context.ts';
import { errorText, h } from './dom.ts';

/** The frames taken with the camera, in order: after the first, each needs a movement a held-up photo cannot make. */
const POSES = ['Look straight at the camera', 'Turn your head slowly to the left', 'Turn your head slowly to the right'];
/** What the AppView keeps per person. */
const MAX_PHOTOS = 4;
/** Mean change of a 32×32 grey thumbnail (0–255) below which two frames count as the same picture. */
const MIN_CHANGE = 2;
const SIDE = 32;
/** The index takes in the consent naming a new likeness within a second or two: ask this often, this long. */
const INDEX_POLL_MS = 500;
const INDEX_WAIT_MS = 15_000;

export interface LikenessSection {
	el: HTMLElement;
	/** The stored likeness, once read; what a saved consent commits to. */
	stored(): LikenessView | undefined;
}

/**
 * My likeness: a few photos taken with the camera (one per pose it asks for, each after a movement,
 * so that a held-up photo does not do) or uploaded, stored by the AppView and not in the repo, which
 * is public. `changed` is told of every store and delete, for the consent record to name (or stop naming) the set.
 */
export function likenessSection(ctx: ScreenContext, changed: (likeness: LikenessView | undefined) => Promise<void>): LikenessSection {
	const api = ctx.api;
	const summary = h('p', { class: 'likeness-summary', role: 'status', 'aria-live': 'polite' }, 'Looking for your likeness…');
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const jobs = h('ul', { class: 'likeness-jobs', 'aria-label': 'Unfinished jobs using your likeness' });
	const preview = h('video', { class: 'likeness-camera', autoplay: true, muted: true, playsinline: true, hidden: true, 'aria-label': 'Camera' });
	const challenge = h('p', { class: 'likeness-challenge', hidden: true });
	const capture = h('button', { type: 'button', class: 'primary', hidden: true, onclick: () => void take() }, 'Take the picture');
	const record = h('button', { type: 'button', onclick: () => void openCamera() }, 'Record with camera');
	const file = h('input', {
		type: 'file',
		id: 'likeness-file',
		accept: 'image/jpeg,image/png,image/webp',
		multiple: true,
		class: 'visually-hidden',
		onchange: () => void uploadFiles([...(file.files ?? [])]),
	});
	const exportButton = h('button', { type: 'button', onclick: () => void download() }, 'Export');
	const remove = h('button', { type: 'button', class: 'danger', onclick: () => void removeLikeness() }, 'Delete likeness');
	let current: LikenessView | undefined;
	let stream: MediaStream | undefined;
	/** The frames taken so far, and a thumbnail of the last one to measure the next movement against. */
	let taken: Blob[] = [];
	let before: Uint8Array | undefined;

	async function load() {
		try {
			const state = await api.likeness();
			show(state.likeness);
			jobs.replaceChildren(...state.jobs.map((job) => h('li', null, `A job by ${job.requester} (${job.status}), started ${new Date(job.createdAt).toLocaleString()}`)));
		} catch (error) {
			summary.textContent = `Could not read your likeness: ${errorText(error)}`;
		}
	}

	function show(likeness: LikenessView | undefined) {
		current = likeness;
		exportButton.disabled = remove.disabled = !likeness;
		summary.textContent = likeness
			? `Stored: ${photos(likeness.images.length)} of ${new Date(likeness.createdAt).toLocaleString()} (${Math.ceil(likeness.images.reduce((sum, image) => sum + image.size, 0) / 1024)} KB)${likeness.committed ? ', named by your consent' : ''}.`
			: 'No likeness stored: people you allow can name you in clips, but not show you.';
	}

	async function openCamera() {
		status.textContent = '';
		try {
			stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: false });
		} catch (error) {
			status.textContent = `No camera: ${errorText(error)}`;
			return;
		}
		preview.srcObject = stream;
		preview.hidden = challenge.hidden = capture.hidden = false;
		await preview.play().catch(() => undefined);
		taken = [];
		before = undefined;
		ask();
	}

	function ask() {
		challenge.textContent = `${POSES[taken.length]}, then take the picture (${taken.length + 1} of ${POSES.length}).`;
	}

	/** Each frame after the first counts only if something moved since the one before; the last stores the set. */
	async function take() {
		const now = thumbnail(preview);
		if (before && change(before, now) < MIN_CHANGE) {
			status.textContent = 'Nothing moved: follow the instruction, then take the picture.';
			return;
		}
		status.textContent = '';
		taken.push(await frame(preview));
		before = now;
		if (taken.length < POSES.length) return ask();
		closeCamera();
		await upload(taken);
	}

	function closeCamera() {
		for (const track of stream?.getTracks() ?? []) track.stop();
		stream = undefined;
		preview.srcObject = null;
		preview.hidden = challenge.hidden = capture.hidden = true;
	}

	async function uploadFiles(files: File[]) {
		file.value = '';
		if (files.length > MAX_PHOTOS) {
			status.textContent = `Choose at most ${MAX_PHOTOS} photos.`;
			return;
		}
		if (files.length > 0) await upload(files);
	}

	async function upload(photos: Blob[]) {
		status.textContent = 'Storing your likeness…';
		try {
			const stored = await api.putLikeness(photos);
			show(stored);
			await changed(stored);
			status.textContent = 'Stored with Dreamreel, encrypted; it is not in your repo.';
			void untilCommitted(stored.cid);
		} catch (error) {
			status.textContent = `Could not store it: ${errorText(error)}`;
		}
	}

	/** Shows the likeness as named by the consent once the index has the consent naming it. */
	async function untilCommitted(cid: string) {
		for (const start = Date.now(); Date.now() - start < INDEX_WAIT_MS && current?.cid === cid; ) {
			const state = await api.likeness().catch(() => undefined);
			if (state?.likeness?.cid === cid && state.likeness.committed) return show(state.likeness);
			await new Promise((resolve) => setTimeout(resolve, INDEX_POLL_MS));
		}
	}

	/** Every stored photo, one file each. */
	async function download() {
		for (const index of current?.images.keys() ?? []) {
			const blob = await api.exportLikeness(index);
			const link = h('a', { href: URL.createObjectURL(blob), download: `likeness-${index + 1}.${blob.type.split('/')[1] ?? 'img'}` });
			link.click();
			URL.revokeObjectURL(link.href);
		}
	}

	async function removeLikeness() {
		status.textContent = 'Deleting…';
		try {
			const stopped = await api.deleteLikeness();
			show(undefined);
			await changed(undefined);
			status.textContent = `Deleted${stopped > 0 ? `; ${stopped} unfinished job${stopped === 1 ? '' : 's'} using it stopped` : ''}.`;
			await load();
		} catch (error) {
			status.textContent = `Could not delete it: ${errorText(error)}`;
		}
	}

	void load();
	return {
		el: h(
			'section',
			{ class: 'card likeness', 'aria-labelledby': 'likeness-title' },
			h('h2', { id: 'likeness-title' }, 'Your reference photos'),
			h('p', { class: 'muted' }, `Up to ${MAX_PHOTOS} photos of you that generation shows to the video model when someone you allow features you. Dreamreel keeps them encrypted and never publishes them; your consent names them by one hash.`),
			summary,
			preview,
			challenge,
			h('div', { class: 'actions' }, record, capture, h('label', { for: 'likeness-file', class: 'button' }, 'Upload photos'), exportButton, remove),
			file,
			status,
			jobs,
		),
		stored: () => current,
	};
}

function photos(count: number): string {
	return count === 1 ? 'a photo' : `${count} photos`;
}

/** A small grey copy of the current frame, to tell whether the picture changed. */
function thumbnail(video: HTMLVideoElement): Uint8Array {
	const canvas = h('canvas', { width: SIDE, height: SIDE });
	const context = canvas.getContext('2d', { willReadFrequently: true })!;
	context.drawImage(video, 0, 0, SIDE, SIDE);
	const { data } = context.getImageData(0, 0, SIDE, SIDE);
	return Uint8Array.from({ length: SIDE * SIDE }, (_, i) => (data[i * 4]! + data[i * 4 + 1]! + data[i * 4 + 2]!) / 3);
}

function change(a: Uint8Array, b: Uint8Array): number {
	return a.reduce((sum, value, i) => sum + Math.abs(value - b[i]!), 0) / a.length;
}

function frame(video: HTMLVideoElement): Promise<Blob> {
	const canvas = h('canvas', { width: video.videoWidth, height: video.videoHeight });
	canvas.getContext('2d')!.drawImage(video, 0, 0);
	return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no picture'))), 'image/jpeg', 0.9));
}
