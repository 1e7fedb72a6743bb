import type { Api } from '../lib/api.ts';
import { isDid, isHandle, normalizeHandle } from '../lib/names.ts';
import type { ConsentAnswer } from '../lib/types.ts';
import { avatar } from './avatar.ts';
import { consentReason } from './consent-text.ts';
import { errorText, h } from './dom.ts';

export interface CameoPicker {
	el: HTMLElement;
	/** DIDs of the people picked. */
	selected(): string[];
	/** Adds candidates (people followed, a remix parent's cameos) and optionally picks them. */
	add(actors: string[], pick?: boolean): void;
}

/**
 * Who may appear in the video. Everyone listed is checked with `getConsent`: only people whose
 * consent allows the signed-in user can be ticked; the others stay visible, disabled, with the reason.
 */
export function cameoPicker(api: Api, me: { did: string; handle: string }): CameoPicker {
	const rows = new Map<string, { input: HTMLInputElement; did?: string }>();
	const list = h('ul', { class: 'cameo-list' });
	const query = h('input', { id: 'cameo-add', placeholder: 'handle.example.com', spellcheck: false, autocapitalize: 'none', 'aria-describedby': 'cameo-add-status' });
	const status = h('p', { id: 'cameo-add-status', class: 'hint', role: 'status' });
	const addButton = h('button', { type: 'button', onclick: () => addTyped() }, 'Add');
	query.addEventListener('keydown', (event) => {
		if (event.key === 'Enter') {
			event.preventDefault();
			addTyped();
		}
	});

	function addTyped() {
		const value = query.value.trim().replace(/^@/, '');
		if (!value) return;
		const actor = isDid(value) ? value : normalizeHandle(value);
		if (!isDid(actor) && !isHandle(actor)) {
			status.textContent = `“${value}” is not a handle or DID.`;
			return;
		}
		query.value = '';
		status.textContent = '';
		add([actor], true);
	}

	function add(actors: string[], pick = false) {
		for (const actor of actors) {
			if (rows.has(actor) || [...rows.values()].some((row) => row.did === actor)) continue;
			const id = `cameo-${rows.size}`;
			const input = h('input', { type: 'checkbox', id, disabled: true, 'aria-describedby': `${id}-why` });
			const name = h('label', { for: id, class: 'cameo-name' }, actor.startsWith('did:') ? actor : `@${actor}`);
			const why = h('span', { id: `${id}-why`, class: 'cameo-why' }, 'Checking consent…');
			const row = h('li', { class: 'cameo' }, input, h('span', { class: 'cameo-text' }, name, why));
			const entry: { input: HTMLInputElement; did?: string } = { input };
			rows.set(actor, entry);
			list.append(row);
			api.consent(actor).then(
				(answer: ConsentAnswer) => {
					// The same person under another name (handle vs DID) is listed once.
					if ([...rows.values()].some((other) => other !== entry && other.did === answer.actor.did)) {
						rows.delete(actor);
						row.remove();
						return;
					}
					entry.did = answer.actor.did;
					name.textContent = `@${answer.actor.handle}`;
					input.after(avatar(answer.actor));
					const allowed = answer.allowsViewer || answer.actor.did === me.did;
					why.textContent = consentReason(answer, me.did);
					row.classList.toggle('cameo-blocked', !allowed);
					input.disabled = !allowed;
					input.checked = allowed && pick;
				},
				(error: unknown) => {
					why.textContent = `Not found: ${errorText(error)}`;
					row.classList.add('cameo-blocked');
				},
			);
		}
	}

	const el = h(
		'fieldset',
		{ class: 'cameos-field' },
		h('legend', null, 'Cameos'),
		h('p', { class: 'hint' }, 'People who appear in the video. You can only pick someone whose consent allows you.'),
		list,
		h('div', { class: 'inline' }, h('label', { for: 'cameo-add', class: 'visually-hidden' }, 'Add a person by handle'), query, addButton),
		status,
	);
	add([me.handle]);
	return {
		el,
		selected: () => [...rows.values()].flatMap((row) => (row.input.checked && row.did ? [row.did] : [])),
		add,
	};
}
