import { isDid, normalizeHandle } from '../lib/identity.ts';
import type { Audience, ClipView, ConsentRecord } from '../lib/types.ts';
import { recordOf } from '../lib/types.ts';
import type { AppContext, View } from './context.ts';
import { errorText, fill, h } from './dom.ts';
import { handleFor } from './names.ts';
import { clipTile } from './tile.ts';

const AUDIENCES: { value: Audience; label: string; hint: string }[] = [
	{ value: 'self', label: 'Only me', hint: 'Nobody else may feature you.' },
	{ value: 'listed', label: 'People I list', hint: 'Only the accounts you name below.' },
	{ value: 'mutuals', label: 'Mutual follows', hint: 'People you follow who follow you back.' },
	{ value: 'followers', label: 'My followers', hint: 'Anyone who follows you.' },
	{ value: 'everyone', label: 'Everyone', hint: 'Any account on the network.' },
];

/** The index applies a change within about a second of the PDS accepting it. */
const INDEX_DELAY_MS = 1500;

/**
 * Who may use my likeness: the `video.dreamreel.consent` record (rkey `self`) in the user's own
 * repo, read from and written to their PDS. Revoking deletes it; the AppView then hides, at read
 * time, every clip that features the user without a grant.
 */
export function consentView(ctx: AppContext): View {
	const session = ctx.session!;
	const summary = h('p', { class: 'consent-summary', role: 'status', 'aria-live': 'polite' }, 'Loading your consent…');
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const radios = AUDIENCES.map(({ value, label, hint }) =>
		h(
			'label',
			{ class: 'choice' },
			h('input', { type: 'radio', name: 'audience', value, onchange: () => syncListed() }),
			h('span', null, h('strong', null, label), h('span', { class: 'hint' }, hint)),
		),
	);
	const listed = h('textarea', { id: 'allowed', rows: 3, spellcheck: false, autocapitalize: 'none', placeholder: 'one handle per line' });
	const listedField = h('div', { class: 'listed-field' }, h('label', { for: 'allowed' }, 'People who may feature you'), listed);
	const allowRemix = h('input', { type: 'checkbox', id: 'allow-remix', checked: true });
	const expires = h('input', { type: 'date', id: 'expires' });
	const restrictions = h('textarea', { id: 'restrictions', rows: 2, maxlength: 300, placeholder: 'e.g. no political content' });
	const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
	const revoke = h('button', { type: 'button', class: 'danger', onclick: () => confirmRevoke() }, 'Revoke consent');
	const form = h(
		'form',
		{ class: 'card form', onsubmit: (event: Event) => void submit(event) },
		h('fieldset', null, h('legend', null, 'Who may use my likeness'), radios),
		listedField,
		h('label', { class: 'check' }, allowRemix, 'Allow remixes of clips featuring me'),
		h('label', { for: 'expires' }, 'Expires (optional)'),
		expires,
		h('label', { for: 'restrictions' }, 'Guidance for people featuring you (optional)'),
		restrictions,
		h('div', { class: 'actions' }, save, revoke),
		status,
	);
	const featuring = featuringSection(ctx);

	function audience(): Audience {
		return (form.querySelector<HTMLInputElement>('input[name=audience]:checked')?.value ?? 'self') as Audience;
	}

	function syncListed() {
		listedField.hidden = audience() !== 'listed';
	}

	async function show(record: ConsentRecord | undefined) {
		const value = record?.audience ?? 'self';
		for (const radio of form.querySelectorAll<HTMLInputElement>('input[name=audience]')) radio.checked = radio.value === value;
		allowRemix.checked = record?.allowRemix ?? true;
		expires.value = record?.expiresAt ? record.expiresAt.slice(0, 10) : '';
		restrictions.value = record?.restrictions ?? '';
		syncListed();
		revoke.disabled = !record;
		const label = AUDIENCES.find((a) => a.value === value)?.label ?? value;
		summary.textContent = record
			? `Now: ${label.toLowerCase()} may feature you${record.allowRemix === false ? '; remixes of those clips are not allowed' : ''}${record.expiresAt ? `, until ${new Date(record.expiresAt).toLocaleDateString()}` : ''}.`
			: 'Now: no consent given — nobody may feature you.';
		listed.value = (await Promise.all((record?.allowed ?? []).map((did) => handleFor(ctx.api, did)))).join('\n');
	}

	async function submit(event: Event) {
		event.preventDefault();
		save.disabled = true;
		status.textContent = 'Saving…';
		try {
			const chosen = audience();
			const allowed = chosen === 'listed' ? await resolveListed(ctx, listed.value) : undefined;
			const next: Omit<ConsentRecord, '$type' | 'createdAt'> = {
				audience: chosen,
				allowRemix: allowRemix.checked,
				...(allowed ? { allowed: allowed as ConsentRecord['allowed'] } : {}),
				...(expires.value ? { expiresAt: new Date(`${expires.value}T23:59:59`).toISOString() as ConsentRecord['expiresAt'] } : {}),
				...(restrictions.value.trim() ? { restrictions: restrictions.value.trim() } : {}),
			};
			await ctx.api.putConsent(next);
			status.textContent = 'Saved to your repo.';
			await show(await ctx.api.myConsent());
			featuring.refresh(INDEX_DELAY_MS);
		} catch (error) {
			status.textContent = `Could not save: ${errorText(error)}`;
		} finally {
			save.disabled = false;
		}
	}

	function confirmRevoke() {
		const dialog = h(
			'dialog',
			{ class: 'confirm', 'aria-labelledby': 'revoke-title' },
			h('h2', { id: 'revoke-title' }, 'Revoke your consent?'),
			h('p', null, 'Clips that feature you stop being shown to anyone but you decide otherwise again. Nothing is deleted.'),
			h(
				'form',
				{ method: 'dialog', class: 'actions' },
				h('button', { value: 'cancel' }, 'Cancel'),
				h('button', { value: 'revoke', class: 'danger' }, 'Revoke'),
			),
		);
		dialog.addEventListener('close', () => {
			dialog.remove();
			if (dialog.returnValue === 'revoke') void doRevoke();
			else revoke.focus();
		});
		document.body.append(dialog);
		dialog.showModal();
	}

	async function doRevoke() {
		status.textContent = 'Revoking…';
		try {
			await ctx.api.revokeConsent();
			status.textContent = 'Consent revoked. Clips featuring you are hidden.';
			await show(undefined);
			featuring.refresh(INDEX_DELAY_MS);
		} catch (error) {
			status.textContent = `Could not revoke: ${errorText(error)}`;
		}
	}

	ctx.api.myConsent().then(show, (error: unknown) => (summary.textContent = `Could not read your consent: ${errorText(error)}`));
	featuring.refresh(0);
	return {
		el: h(
			'div',
			{ class: 'page narrow' },
			h('h1', null, 'Your likeness'),
			h('p', { class: 'muted' }, `Who may feature @${session.handle} in their clips. This is a record in your own repo; any app on the network can read and honour it.`),
			summary,
			form,
			featuring.el,
		),
		title: 'Consent',
		destroy: featuring.destroy,
	};
}

async function resolveListed(ctx: AppContext, text: string): Promise<string[]> {
	const names = [...new Set(text.split(/[\s,]+/).map((name) => name.replace(/^@/, '').trim()).filter(Boolean))];
	const dids = await Promise.all(
		names.map(async (name) => {
			if (isDid(name)) return name;
			const handle = normalizeHandle(name);
			try {
				return (await ctx.api.consent(handle)).actor.did;
			} catch {
				// Not indexed yet: the user's PDS resolves any handle on the network.
				const resolved = await ctx.session!.call<{ did: string }>('GET', 'com.atproto.identity.resolveHandle', { params: { handle } }).catch(() => undefined);
				if (resolved) return resolved.did;
				throw new Error(`could not find @${handle}`);
			}
		}),
	);
	return [...new Set(dids)];
}

interface Remembered {
	uri: string;
	handle: string;
	caption?: string;
}

/**
 * Clips that name the user as a cameo, and whether they are shown. The index has no query for
 * "clips featuring X" yet, so this looks through the network's For You (anonymous: nothing is
 * marked seen) and remembers what it found, so a clip hidden later is still listed as hidden.
 */
function featuringSection(ctx: AppContext) {
	const did = ctx.session!.did;
	const key = `dreamreel:featuring:${did}`;
	const list = h('div', { class: 'featuring', 'aria-live': 'polite' });
	let timer: ReturnType<typeof setTimeout> | undefined;
	const el = h('section', { class: 'card', 'aria-labelledby': 'featuring-title' }, h('h2', { id: 'featuring-title' }, 'Clips featuring you'), list);

	const remembered = (): Remembered[] => {
		try {
			return JSON.parse(localStorage.getItem(key) ?? '[]') as Remembered[];
		} catch {
			return [];
		}
	};

	async function scan() {
		fill(list, h('p', { class: 'muted' }, 'Looking…'));
		const shown: ClipView[] = [];
		let cursor: string | undefined;
		for (let page = 0; page < 5; page++) {
			const { clips, cursor: next } = await ctx.api.browse(cursor);
			shown.push(...clips.filter((clip) => recordOf(clip).cameos?.includes(did as never)));
			if (!next) break;
			cursor = next;
		}
		const known = new Map(remembered().map((item) => [item.uri, item]));
		for (const clip of shown) known.set(clip.uri, { uri: clip.uri, handle: clip.author.handle, caption: recordOf(clip).caption });
		localStorage.setItem(key, JSON.stringify([...known.values()].slice(-200)));
		const shownUris = new Set<string>(shown.map((clip) => clip.uri));
		// Remembered clips that For You did not return may still be shown elsewhere (older than its window).
		const elsewhere = await ctx.api.clips([...known.keys()].filter((uri) => !shownUris.has(uri))).catch(() => [] as ClipView[]);
		const visible = [...shown, ...elsewhere];
		const visibleUris = new Set<string>(visible.map((clip) => clip.uri));
		const hidden = [...known.values()].filter((item) => !visibleUris.has(item.uri));
		if (visible.length === 0 && hidden.length === 0) {
			fill(list, h('p', { class: 'muted' }, 'No clips feature you yet.'));
			return;
		}
		fill(
			list,
			h(
				'ul',
				{ class: 'featuring-list' },
				visible.map((clip) => h('li', { class: 'featuring-item', 'data-state': 'shown' }, clipTile(clip), h('span', { class: 'state state-shown' }, 'Shown'))),
				hidden.map((item) =>
					h(
						'li',
						{ class: 'featuring-item', 'data-state': 'hidden' },
						h('span', { class: 'tile tile-hidden' }, h('span', { class: 'tile-info' }, h('span', { class: 'tile-author' }, `@${item.handle}`), item.caption && h('span', { class: 'tile-caption' }, item.caption))),
						h('span', { class: 'state state-hidden' }, 'Hidden from everyone — your consent does not cover its author'),
					),
				),
			),
		);
	}

	return {
		el,
		refresh(delayMs: number) {
			clearTimeout(timer);
			timer = setTimeout(() => scan().catch((error: unknown) => fill(list, h('p', { class: 'error' }, `Could not look: ${errorText(error)}`))), delayMs);
		},
		destroy() {
			clearTimeout(timer);
		},
	};
}
