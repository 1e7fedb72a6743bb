import type { ClipView } from '../lib/types.ts';
import { labelsOf } from '../lib/types.ts';
import { h } from './dom.ts';

/** Labels that put a clip behind a cover, and what the cover says. */
const COVERED: Record<string, string> = {
	'!warn': 'Content warning',
	'graphic-media': 'Graphic media',
	porn: 'Adult content',
	sexual: 'Adult content',
	nudity: 'Adult content',
};

/** What covers the clip, from the labels of the labelers the service follows and the author's self-labels; undefined when nothing does. */
export function coverReason(clip: ClipView): string | undefined {
	const values = [...(clip.labels ?? []), ...(clip.author.labels ?? [])].map((label) => label.val).concat(labelsOf(clip));
	const found = values.find((value) => Object.hasOwn(COVERED, value));
	return found === undefined ? undefined : COVERED[found];
}

/** A blurred cover over `stage` with *Show anyway*; the stage is untouched when no label calls for one. */
export function coverStage(clip: ClipView, stage: HTMLElement): void {
	const reason = coverReason(clip);
	if (!reason) return;
	stage.classList.add('covered');
	const cover = h(
		'div',
		{ class: 'label-cover', role: 'group', 'aria-label': reason },
		h('p', null, h('strong', null, reason), h('br'), 'A moderator or the author labelled this clip.'),
		h(
			'button',
			{
				type: 'button',
				onclick: (event: Event) => {
					event.stopPropagation();
					stage.classList.remove('covered');
					cover.remove();
				},
			},
			'Show anyway',
		),
	);
	stage.append(cover);
}
