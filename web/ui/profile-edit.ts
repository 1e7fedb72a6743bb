import { errorText, h } from './dom.ts';
import type { ScreenContext } from './context.ts';

/** Avatars are drawn square at this size: Bluesky shows them no larger, and the blob stays small. */
const AVATAR_PX = 400;

/**
 * Edits the signed-in user's `app.bsky.actor.profile` (the same record Bluesky shows): display name,
 * description, avatar. `saved` runs once the PDS has the new record.
 */
export function profileEditor(ctx: ScreenContext, saved: () => void): HTMLElement {
	const name = h('input', { id: 'profile-name', maxlength: 64, autocomplete: 'nickname' });
	const description = h('textarea', { id: 'profile-description', rows: 3, maxlength: 256 });
	const picture = h('input', { id: 'profile-avatar', type: 'file', accept: 'image/png,image/jpeg,image/webp' });
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const save = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Save profile');
	const form = h(
		'form',
		{ class: 'form card profile-edit', 'aria-label': 'Edit profile', onsubmit: (event: Event) => void submit(event) },
		h('label', { for: 'profile-name' }, 'Display name'),
		name,
		h('label', { for: 'profile-description' }, 'Description'),
		description,
		h('label', { for: 'profile-avatar' }, 'Avatar'),
		picture,
		h('div', { class: 'actions' }, save),
		status,
	);
	ctx.api.myProfile().then(
		(profile) => {
			name.value = typeof profile.displayName === 'string' ? profile.displayName : '';
			description.value = typeof profile.description === 'string' ? profile.description : '';
			save.disabled = false;
		},
		(error: unknown) => (status.textContent = `Could not read your profile: ${errorText(error)}`),
	);

	async function submit(event: Event) {
		event.preventDefault();
		save.disabled = true;
		status.textContent = 'Saving…';
		try {
			const file = picture.files?.[0];
			await ctx.api.editProfile({ displayName: name.value.trim(), description: description.value.trim(), ...(file ? { avatar: await squareJpeg(file) } : {}) });
			status.textContent = 'Saved.';
			saved();
		} catch (error) {
			status.textContent = `Could not save: ${errorText(error)}`;
		} finally {
			save.disabled = false;
		}
	}
	return form;
}

/** The picture's centre square at AVATAR_PX, as JPEG: any size of photo becomes a small avatar blob. */
async function squareJpeg(file: File): Promise<Blob> {
	const image = await createImageBitmap(file);
	const side = Math.min(image.width, image.height);
	const canvas = document.createElement('canvas');
	canvas.width = canvas.height = AVATAR_PX;
	canvas.getContext('2d')?.drawImage(image, (image.width - side) / 2, (image.height - side) / 2, side, side, 0, 0, AVATAR_PX, AVATAR_PX);
	image.close();
	const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
	if (!blob) throw new Error('this picture could not be read');
	return blob;
}
