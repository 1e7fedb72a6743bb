import type { ClipPage, ClipView } from '../lib/types.ts';
import { href, type ScreenContext, type Screen } from './context.ts';
import { errorText, fill, h, type Child } from './dom.ts';
import { buildSlide, type Slide } from './slide.ts';
import { attachSource, unplayableReason } from './video.ts';

export interface FeedOptions {
	/** The feed's accessible name ("For You"). */
	label: string;
	load(cursor?: string): Promise<ClipPage>;
	/** Shown instead of slides when the first page is empty. */
	empty(): Child;
	/** Drawn over the top of the feed (the For You / Following tabs). */
	overlay?: HTMLElement;
}

/** Sound is off until the user asks, as autoplay requires; the choice then holds for the session. */
let muted = true;
/** Load the next page when this few clips are left ahead. */
const PREFETCH_AHEAD = 3;
const ACTIVE_RATIO = 0.6;

/**
 * The vertical player: full-height slides under CSS scroll snapping (swipe, wheel, scroll bar),
 * arrow keys / j k / PageUp PageDown to move, m to mute, space to pause. The slide most in view
 * plays; the next one is attached and buffering already; slides further away drop their source so
 * memory stays flat however far one scrolls. Every slide is exactly the feed's height, and all
 * overlays are absolutely positioned, so nothing shifts while scrolling or while pages arrive.
 */
export function feedScreen(ctx: ScreenContext, options: FeedOptions): Screen {
	const slides: Slide[] = [];
	const parents = new Map<string, ClipView | null>();
	let cursor: string | undefined;
	let done = false;
	let loading: Promise<void> | undefined;
	let active = -1;
	let destroyed = false;

	const list = h('div', { class: 'slides' });
	// Loading and errors show in a pill over the feed, not as a slide: Chrome keeps a scroller
	// snapped to the element it was on, so a placeholder slide would hold the view as clips arrive.
	const status = h('div', { class: 'feed-status', role: 'status', 'aria-live': 'polite' });
	/** The last position: "all caught up", or the empty state; added once the feed has ended. */
	const tail = h('div', { class: 'slide slide-status' });
	const feed = h('section', { class: 'feed', tabindex: 0, 'aria-label': `${options.label} — use the arrow keys to move between clips` }, list);
	const keys = h(
		'aside',
		{ class: 'keys', 'aria-label': 'Keyboard shortcuts' },
		h('p', null, h('kbd', null, '↑'), h('kbd', null, '↓'), ' or ', h('kbd', null, 'K'), h('kbd', null, 'J'), ' move'),
		h('p', null, h('kbd', null, 'M'), ' sound'),
		h('p', null, h('kbd', null, 'Space'), ' pause'),
	);
	const el = h('div', { class: 'feed-wrap' }, options.overlay, feed, status, keys);

	const observer = new IntersectionObserver(
		(entries) => {
			for (const entry of entries) {
				if (!entry.isIntersecting || entry.intersectionRatio < ACTIVE_RATIO) continue;
				// The status slide at the end counts as a position too: nothing plays behind it.
				const index = entry.target === tail ? slides.length : slides.findIndex((slide) => slide.el === entry.target);
				if (index >= 0) setActive(index);
			}
		},
		{ root: feed, threshold: [ACTIVE_RATIO] },
	);

	function addSlide(clip: ClipView) {
		const slide = buildSlide(ctx, clip, slides.length, parents, { tap: tapStage, toggleMute: () => setMuted(!muted), muted: () => muted });
		slide.video.addEventListener('playing', () => el.classList.remove('paused'));
		slides.push(slide);
		list.append(slide.el);
		observer.observe(slide.el);
	}

	/** The first tap unmutes (autoplay started muted); later taps pause and resume. */
	function tapStage(slide: Slide) {
		if (muted) setMuted(false);
		else togglePlay(slide);
	}

	function togglePlay(slide: Slide) {
		if (slide.video.paused) void play(slide);
		else {
			slide.video.pause();
			el.classList.add('paused');
		}
	}

	function setMuted(value: boolean) {
		muted = value;
		el.classList.toggle('sound-on', !muted);
		for (const slide of slides) {
			slide.video.muted = muted;
			slide.el.querySelector('.mute')?.setAttribute('aria-pressed', String(!muted));
		}
	}

	function attach(slide: Slide, preload: 'auto' | 'metadata') {
		slide.video.preload = preload;
		if (slide.detach || slide.attaching) return slide.attaching;
		const reason = unplayableReason(slide.clip.playback);
		if (reason) {
			slide.message.textContent = reason;
			slide.message.hidden = false;
			return;
		}
		slide.attaching = attachSource(slide.video, slide.clip.playback).then(
			(detach) => {
				slide.detach = detach;
				slide.attaching = undefined;
			},
			(error: unknown) => {
				slide.attaching = undefined;
				slide.message.textContent = `This video cannot play here: ${errorText(error)}`;
				slide.message.hidden = false;
			},
		);
		return slide.attaching;
	}

	function detach(slide: Slide) {
		slide.detach?.();
		slide.detach = undefined;
	}

	async function play(slide: Slide) {
		await attach(slide, 'auto');
		if (destroyed || slides[active] !== slide) return;
		slide.video.muted = muted;
		try {
			await slide.video.play();
		} catch (error) {
			// Autoplay with sound refused (no user gesture yet): fall back to muted.
			if (error instanceof DOMException && error.name === 'NotAllowedError' && !muted) {
				setMuted(true);
				await slide.video.play().catch(() => undefined);
			}
		}
	}

	function setActive(index: number) {
		if (index === active || destroyed) return;
		active = index;
		slides.forEach((slide, i) => {
			const distance = i - index;
			slide.el.classList.toggle('active', distance === 0);
			if (distance !== 0) slide.video.pause();
			// The current and next are fetched in full, the previous keeps its metadata for a quick way back.
			if (distance === 0 || distance === 1) void attach(slide, 'auto');
			else if (distance === -1) void attach(slide, 'metadata');
			else if (Math.abs(distance) > 2) detach(slide);
		});
		el.classList.remove('paused');
		const current = slides[index];
		if (current) void play(current);
		if (slides.length - index <= PREFETCH_AHEAD) void loadMore();
	}

	function go(index: number) {
		const target = slides[Math.max(0, Math.min(slides.length - 1, index))];
		const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
		target?.el.scrollIntoView({ behavior: reduce ? 'instant' : 'smooth', block: 'start' });
	}

	feed.addEventListener('keydown', (event) => {
		if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement || event.altKey || event.ctrlKey || event.metaKey) return;
		const current = slides[active];
		switch (event.key) {
			case 'ArrowDown':
			case 'PageDown':
			case 'j':
				go(active + 1);
				break;
			case 'ArrowUp':
			case 'PageUp':
			case 'k':
				go(active - 1);
				break;
			case 'Home':
				go(0);
				break;
			case 'End':
				go(slides.length - 1);
				break;
			case 'm':
				setMuted(!muted);
				break;
			case ' ':
				if (event.target !== feed || !current) return;
				togglePlay(current);
				break;
			default:
				return;
		}
		event.preventDefault();
	});

	async function resolveParents(clips: ClipView[]) {
		const wanted = [...new Set(clips.flatMap((clip) => (clip.lineage ? [clip.lineage.parent.uri] : [])))].filter((uri) => !parents.has(uri));
		if (wanted.length === 0) return;
		const found = await ctx.api.clips(wanted).catch(() => []);
		for (const uri of wanted) parents.set(uri, found.find((clip) => clip.uri === uri) ?? null);
		for (const slide of slides) {
			const link = slide.el.querySelector<HTMLAnchorElement>('.remixed-from');
			const parent = link && parents.get(link.dataset.parent ?? '');
			if (link && parent !== undefined) link.textContent = `↳ Remixed from ${parent ? `@${parent.author.handle}` : 'a clip no longer shown'}`;
		}
	}

	function loadMore(): Promise<void> {
		if (done || destroyed) return Promise.resolve();
		loading ??= (async () => {
			fill(status, 'Loading…');
			try {
				const page = await options.load(cursor);
				if (destroyed) return;
				const known = new Set(slides.map((slide) => slide.clip.uri));
				const fresh = page.clips.filter((clip) => !known.has(clip.uri));
				for (const clip of fresh) addSlide(clip);
				cursor = page.cursor;
				// A page of nothing new ends the feed too (a personalised feed may serve clips again).
				done = !page.cursor || fresh.length === 0;
				fill(status);
				if (done) {
					fill(
						tail,
						h(
							'div',
							{ class: 'empty' },
							slides.length === 0 ? options.empty() : [h('p', null, 'You’re all caught up.'), h('a', { href: href.generate(), class: 'button' }, 'Make something')],
						),
					);
					feed.append(tail);
					observer.observe(tail);
				}
				void resolveParents(fresh);
				// The first page: start playing without waiting for a scroll.
				if (active === -1 && slides.length > 0) setActive(0);
			} catch (error) {
				fill(status, h('span', { class: 'error' }, `Could not load clips: ${errorText(error)}`), h('button', { type: 'button', onclick: () => void loadMore() }, 'Try again'));
			} finally {
				loading = undefined;
			}
		})();
		return loading;
	}

	const onVisibility = () => {
		const current = slides[active];
		if (!current) return;
		if (document.hidden) current.video.pause();
		else void play(current);
	};
	document.addEventListener('visibilitychange', onVisibility);
	setMuted(muted);
	void loadMore();
	queueMicrotask(() => feed.focus({ preventScroll: true }));

	return {
		el,
		title: options.label,
		destroy() {
			destroyed = true;
			observer.disconnect();
			document.removeEventListener('visibilitychange', onVisibility);
			for (const slide of slides) detach(slide);
		},
	};
}
