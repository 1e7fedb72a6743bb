import { richText } from './rich-text.ts';
import type { ClipView } from '../lib/types.ts';
import { recordOf } from '../lib/types.ts';
import { clipPath } from '../../worker/pages/paths.ts';
import { avatar } from './avatar.ts';
import { cameoLine, lineageLinks, provenance } from './clip-meta.ts';
import { openComments } from './comments.ts';
import { remixRefusal } from './consent-text.ts';
import { actorOf, href, type ScreenContext } from './context.ts';
import { count, errorText, h } from './dom.ts';
import { icon } from './icons.ts';
import { coverStage } from './label-cover.ts';
import { openReport } from './report.ts';

/** One clip in the player: the video stage, what it is (author, caption, provenance, lineage) and its actions. */
export interface Slide {
	clip: ClipView;
	el: HTMLElement;
	video: HTMLVideoElement;
	message: HTMLElement;
	detach?: () => void;
	/** An attach in flight (hls.js may be loading). */
	attaching?: Promise<void>;
}

/** What a slide asks of the player it is in. */
export interface SlideHooks {
	tap(slide: Slide): void;
	toggleMute(): void;
	muted(): boolean;
}

export function buildSlide(ctx: ScreenContext, clip: ClipView, index: number, parents: Map<string, ClipView | null>, hooks: SlideHooks): Slide {
	const record = recordOf(clip);
	const ratio = clip.playback.aspectRatio ?? record.aspectRatio;
	// Portrait clips fill the screen (edges cropped, as phones expect); others are letterboxed whole.
	const portrait = !!ratio && ratio.width / ratio.height <= 0.75;
	const video = h('video', {
		class: portrait ? 'video video-cover' : 'video',
		playsinline: true,
		loop: true,
		muted: true,
		preload: 'none',
		disablePictureInPicture: true,
		'aria-label': record.caption ? `Video: ${record.caption}` : `Video by @${clip.author.handle}`,
		...(clip.playback.thumbnail ? { poster: clip.playback.thumbnail } : {}),
	});
	const message = h('p', { class: 'stage-message', hidden: true });
	const timebar = h('span', { class: 'timebar-fill' });
	const unmute = h('span', { class: 'unmute-hint', 'aria-hidden': 'true' }, icon('muted'), 'Tap to unmute');
	const stage = h('div', { class: 'stage', onclick: () => hooks.tap(slide) }, video, message, unmute, h('span', { class: 'timebar' }, timebar));
	coverStage(clip, stage);
	video.addEventListener('timeupdate', () => {
		if (video.duration > 0) timebar.style.transform = `scaleX(${video.currentTime / video.duration})`;
	});

	const likeCount = h('span', { class: 'rail-count' }, count(clip.likeCount));
	const like = h(
		'button',
		{ type: 'button', class: 'rail-button like', 'aria-pressed': String(!!clip.viewer?.like), 'aria-label': 'Like', onclick: () => void toggleLike(ctx, slide, like, likeCount) },
		icon('heart'),
		likeCount,
	);
	const commentCount = h('span', { class: 'rail-count' }, count(clip.commentCount));
	const comments = h(
		'button',
		{
			type: 'button',
			class: 'rail-button',
			'aria-label': `Comments (${clip.commentCount})`,
			onclick: () =>
				openComments(ctx, slide.clip, () => {
					slide.clip = { ...slide.clip, commentCount: slide.clip.commentCount + 1 };
					commentCount.textContent = count(slide.clip.commentCount);
					comments.setAttribute('aria-label', `Comments (${slide.clip.commentCount})`);
				}),
		},
		icon('comment'),
		commentCount,
	);
	const remix = remixButton(ctx, clip);
	const lineage = h('a', { class: 'rail-button', href: href.lineage(clip.uri), 'aria-label': 'Remix lineage' }, icon('tree'), h('span', { class: 'rail-count' }, count(clip.remixCount)));
	const report = h('button', { type: 'button', class: 'rail-button', 'aria-label': 'Report this clip', onclick: () => openReport(ctx, clip, 'this clip') }, icon('flag'), h('span', { class: 'rail-count' }, 'Report'));
	const mute = h('button', { type: 'button', class: 'rail-button mute', 'aria-label': 'Sound', 'aria-pressed': String(!hooks.muted()), onclick: hooks.toggleMute }, icon('muted'), icon('sound'));

	const el = h(
		'article',
		{ class: 'slide', 'aria-roledescription': 'clip', 'aria-label': `Clip ${index + 1} by @${clip.author.handle}`, 'data-uri': clip.uri },
		stage,
		h(
			'div',
			{ class: 'meta' },
			h('a', { class: 'author', href: href.profile(actorOf(clip.author)) }, avatar(clip.author), clip.author.displayName ? h('strong', null, clip.author.displayName, ' ') : null, `@${clip.author.handle}`),
			record.caption && h('p', { class: 'caption' }, richText(record.caption)),
			cameoLine(ctx.api, clip),
			provenance(clip),
			lineageLinks(clip, parents),
			record.prompt && h('details', { class: 'prompt' }, h('summary', null, 'Prompt'), h('p', null, record.prompt)),
		),
		h('div', { class: 'rail' }, like, comments, remix, lineage, shareButton(ctx, clip), report, mute, clip.author.did === ctx.session?.did && deleteButton(ctx, clip)),
	);
	const slide: Slide = { clip, el, video, message };
	return slide;
}

/** Copies the clip's real URL (`/c/…`), the one that previews when pasted, not the page's `#/` address. */
function shareButton(ctx: ScreenContext, clip: ClipView): HTMLElement {
	const link = `${ctx.config.appUrl}${clipPath(clip.uri) ?? '/'}`;
	const copy = async () => {
		try {
			await navigator.clipboard.writeText(link);
			ctx.toast('Link copied.');
		} catch {
			ctx.toast(link);
		}
	};
	return h('button', { type: 'button', class: 'rail-button', 'aria-label': 'Copy link to this clip', onclick: () => void copy() }, icon('link'), h('span', { class: 'rail-count' }, 'Share'));
}

/**
 * Deleting one's own clip: the record goes from the author's repo, and the index follows (a remix
 * below it stays judged by the rules it was published under: the index keeps a tombstone).
 */
function deleteButton(ctx: ScreenContext, clip: ClipView): HTMLElement {
	const button = h('button', { type: 'button', class: 'rail-button delete', 'aria-label': 'Delete this clip' }, icon('trash'), h('span', { class: 'rail-count' }, 'Delete'));
	button.addEventListener('click', async () => {
		if (!confirm('Delete this clip from your repo? This cannot be undone.')) return;
		button.disabled = true;
		try {
			await ctx.api.deleteRecord(clip.uri);
			ctx.toast('Deleted.');
			ctx.navigate(href.profile(actorOf(clip.author)));
		} catch (error) {
			ctx.toast(`Could not delete: ${errorText(error)}`);
			button.disabled = false;
		}
	});
	return button;
}

/** Remix, or, when the viewer may not remix this clip, a button that says why. */
function remixButton(ctx: ScreenContext, clip: ClipView): HTMLElement {
	const content = [icon('remix'), h('span', { class: 'rail-count' }, 'Remix')];
	if (clip.viewer?.canRemix !== false) return h('a', { class: 'rail-button', href: href.generate(clip.uri), 'aria-label': 'Remix this clip' }, content);
	const why = remixRefusal(clip, ctx.session?.did);
	return h(
		'button',
		{ type: 'button', class: 'rail-button rail-button-off', 'aria-disabled': 'true', 'aria-label': `Remix this clip: not allowed. ${why}`, title: why, onclick: () => ctx.toast(`${why}.`) },
		content,
	);
}

/** Likes are records in the viewer's repo; the count moves at once and goes back if the write fails. */
async function toggleLike(ctx: ScreenContext, slide: Slide, button: HTMLButtonElement, label: HTMLElement) {
	if (!ctx.session) return ctx.toast('Sign in to like clips.');
	const liked = slide.clip.viewer?.like;
	const before = slide.clip;
	const update = (clip: ClipView) => {
		slide.clip = clip;
		button.setAttribute('aria-pressed', String(!!clip.viewer?.like));
		label.textContent = count(clip.likeCount);
	};
	button.disabled = true;
	try {
		if (liked) {
			update({ ...before, likeCount: Math.max(0, before.likeCount - 1), viewer: { ...before.viewer, like: undefined } });
			await ctx.api.deleteRecord(liked);
		} else {
			update({ ...before, likeCount: before.likeCount + 1, viewer: { ...before.viewer, like: 'at://pending' as ClipView['uri'] } });
			const ref = await ctx.api.like(before);
			update({ ...slide.clip, viewer: { ...slide.clip.viewer, like: ref.uri as ClipView['uri'] } });
		}
	} catch (error) {
		update(before);
		ctx.toast(`Could not ${liked ? 'unlike' : 'like'}: ${errorText(error)}`);
	} finally {
		button.disabled = false;
	}
}
