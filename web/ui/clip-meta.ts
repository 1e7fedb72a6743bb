import type { Api } from '../lib/api.ts';
import { labelsOf, recordOf, type ClipView } from '../lib/types.ts';
import { href } from './context.ts';
import { h, plural } from './dom.ts';
import { handleFor } from './names.ts';

const LABEL_TEXT: Record<string, string> = { 'ai-generated': 'AI-generated' };

/** Labels and what made the clip: the `ai-generated` self-label and record.generator provider/model. */
export function provenance(clip: ClipView): HTMLElement {
	const record = recordOf(clip);
	const labels = labelsOf(clip);
	return h(
		'p',
		{ class: 'provenance' },
		labels.map((label) => h('span', { class: `badge badge-${label}` }, LABEL_TEXT[label] ?? label)),
		record.generator
			? h('span', { class: 'generator', title: 'What generated this video' }, `${record.generator.provider} · ${record.generator.model}`)
			: labels.length === 0 && h('span', { class: 'generator' }, 'Recorded'),
	);
}

/** "Remixed from @carol.test" (filled in once the parent is known) and "12 remixes". */
export function lineageLinks(clip: ClipView, parents: Map<string, ClipView | null>): HTMLElement | false {
	const parentUri = clip.lineage?.parent.uri;
	if (!parentUri && clip.remixCount === 0) return false;
	const line = h('p', { class: 'lineage' });
	if (parentUri) {
		const parent = parents.get(parentUri);
		const who = parent === undefined ? 'another clip' : parent === null ? 'a clip no longer shown' : `@${parent.author.handle}`;
		line.append(h('a', { href: href.clip(parentUri), class: 'remixed-from', 'data-parent': parentUri }, `↳ Remixed from ${who}`));
	}
	if (clip.remixCount > 0) line.append(h('a', { href: href.lineage(clip.uri), class: 'remix-count' }, plural(clip.remixCount, 'remix', 'remixes')));
	return line;
}

/** "with @bob.test": the people featured, named once the AppView has told us their handles. */
export function cameoLine(api: Api, clip: ClipView): HTMLElement | false {
	const cameos = recordOf(clip).cameos ?? [];
	if (cameos.length === 0) return false;
	const line = h('p', { class: 'cameos' }, 'with ');
	cameos.forEach((did, i) => {
		const link = h('a', { href: href.profile(did) }, '…');
		line.append(...(i > 0 ? [', '] : []), link);
		void handleFor(api, did).then((name) => (link.textContent = name.startsWith('did:') ? name : `@${name}`));
	});
	return line;
}
