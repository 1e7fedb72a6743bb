import { clipPath } from '../../worker/pages/paths.ts';
import type { Poster, PublishOptions } from '../lib/publish.ts';
import type { ScreenContext } from './context.ts';
import { h } from './dom.ts';
import { captureFrame, seekTo } from './poster.ts';

const POLICIES: { value: NonNullable<PublishOptions['remixPolicy']>; label: string }[] = [
	{ value: 'everyone', label: 'Everyone' },
	{ value: 'followers', label: 'People who follow me' },
	{ value: 'mutuals', label: 'Mutual follows' },
	{ value: 'none', label: 'Nobody' },
];

/** The user's last answer to "Also post to Bluesky"; new users share by default. */
const SHARE_KEY = 'dreamreel:share-to-bluesky';

/** What every publish form asks, whatever made the video: remix policy, poster frame, sharing. */
export interface PublishControls {
	el: HTMLElement[];
	remixPolicy(): PublishOptions['remixPolicy'];
	/** Seeks the preview to the chosen frame and draws it. */
	poster(): Promise<Poster | undefined>;
	bluesky(): PublishOptions['bluesky'];
}

export function publishControls(ctx: ScreenContext, preview: HTMLVideoElement): PublishControls {
	const policy = h('select', { id: 'remix-policy' }, POLICIES.map(({ value, label }) => h('option', { value }, label)));
	const frame = h('input', { id: 'poster-frame', type: 'range', min: 0, max: 1, step: 0.01, value: 0.1 });
	const time = () => (Number.isFinite(preview.duration) ? preview.duration : 0) * Number(frame.value);
	frame.addEventListener('input', () => void seekTo(preview, time()));
	const share = h('input', { id: 'share-bluesky', type: 'checkbox', checked: localStorage.getItem(SHARE_KEY) !== 'false' });
	share.addEventListener('change', () => localStorage.setItem(SHARE_KEY, String(share.checked)));
	const appUrl = ctx.config.appUrl;
	return {
		el: [
			h('label', { for: 'remix-policy' }, 'Who may remix it'),
			policy,
			h('label', { for: 'poster-frame' }, 'Poster frame'),
			frame,
			h('label', { class: 'check' }, share, 'Also post to Bluesky'),
		],
		remixPolicy: () => policy.value as PublishOptions['remixPolicy'],
		async poster() {
			await seekTo(preview, time());
			return captureFrame(preview);
		},
		bluesky: () => (share.checked ? { link: (clip) => `${appUrl}${clipPath(clip.uri) ?? '/'}` } : undefined),
	};
}
