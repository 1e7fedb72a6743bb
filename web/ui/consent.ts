import { isDid, normalizeHandle } from '../lib/names.ts';
import type { Audience, CameoClip, ConsentAnswer, ConsentRecord, LikenessView } from '../lib/types.ts';
import { recordOf } from '../lib/types.ts';
import type { ScreenContext, Screen } from './context.ts';
import { errorText, h } from './dom.ts';
import { hiddenText } from './consent-text.ts';
import { likenessSection } from './likeness.ts';
import { handleFor } from './names.ts';
import { clipTile } from './tile.ts';

const AUDIENCES: { value: Audience; label: string; hint: string }[] = [
	{ value: 'self', label: 'Only me', hint: 'Nobody else may feature you.' },
	{ value: 'listed', label: 'People I list', hint: 'Only the accounts you name below.' },
	{ value: 'mutuals', label: 'Mutual follows', hint: 'People you follow who follow you back.' },
	{ value: 'followers', label: 'My followers', hint: 'Anyone who follows you.' },
	{ value: 'everyone', label: 'Everyone', hint: 'Any account on the network.' },
];

/** The index applies a change within a second or two of the PDS accepting it: ask this often, this long. */
const INDEX_POLL_MS = 500;
const INDEX_WAIT_MS = 15_000;

/**
 * Who may use my likeness: the `video.dreamreel.consent` record (rkey `self`) in the user's own
 * repo, read from and written to their PDS. Revoking deletes it; the AppView then hides, at read
 * time, every clip that features the user without a grant.
 */
export function consentScreen(ctx: ScreenContext): Screen {
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
	let current: ConsentRecord | undefined;
	let destroyed = false;
	const featuring = featuringSection(ctx, () => current);
	// A stored likeness is named by the consent (its CID), so that generation may show it; a change rewrites the consent.
	const likeness = likenessSection(ctx, async (stored) => {
		if (!current) return;
		const { $type: _type, createdAt: _createdAt, likeness: _previous, ...rest } = current;
		await ctx.api.putConsent({ ...rest, ...(stored ? { likeness: commitment(stored) } : {}) });
		await show(await ctx.api.myConsent());
	});

	function audience(): Audience {
		return (form.querySelector<HTMLInputElement>('input[name=audience]:checked')?.value ?? 'self') as Audience;
	}

	function syncListed() {
		listedField.hidden = audience() !== 'listed';
	}

	async function show(record: ConsentRecord | undefined) {
		current = record;
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
				...(likeness.stored() ? { likeness: commitment(likeness.stored()!) } : {}),
			};
			const cid = await ctx.api.putConsent(next);
			status.textContent = 'Saved to your repo.';
			await show(await ctx.api.myConsent());
			void reloadOnceIndexed((answer) => answer.consent?.cid === cid);
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
			h('p', null, 'Clips that feature you stop being shown until you decide otherwise again, jobs featuring you stop, and your stored likeness is deleted. No clip is deleted.'),
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
			void reloadOnceIndexed((answer) => !answer.consent);
		} catch (error) {
			status.textContent = `Could not revoke: ${errorText(error)}`;
		}
	}

	/** Lists the clips featuring the user again once the index has their change, or has had long enough. */
	async function reloadOnceIndexed(indexed: (answer: ConsentAnswer) => boolean) {
		for (const start = Date.now(); !destroyed && Date.now() - start < INDEX_WAIT_MS; ) {
			const answer = await ctx.api.consent(session.did).catch(() => undefined);
			if (answer && indexed(answer)) break;
			await new Promise((resolve) => setTimeout(resolve, INDEX_POLL_MS));
		}
		if (!destroyed) await featuring.reload();
	}

	// The featured clips' explanations read the consent, so they wait for it.
	ctx.api
		.myConsent()
		.then(show, (error: unknown) => (summary.textContent = `Could not read your consent: ${errorText(error)}`))
		.finally(() => void featuring.reload());
	return {
		el: h(
			'div',
			{ class: 'page narrow' },
			h('h1', null, 'Your likeness'),
			h('p', { class: 'muted' }, `Who may feature @${session.handle} in their clips. This is a record in your own repo; any app on the network can read and honour it.`),
			summary,
			form,
			likeness.el,
			featuring.el,
		),
		title: 'Consent',
		destroy() {
			destroyed = true;
			featuring.destroy();
		},
	};
}

function commitment(stored: LikenessView): NonNullable<ConsentRecord['likeness']> {
	return { cid: stored.cid, createdAt: stored.createdAt };
}

async function resolveListed(ctx: ScreenContext, text: string): Promise<string[]> {
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

/**
 * Clips that name the user as a cameo (`getCameoClips`), hidden ones included, each with whether
 * everyone else is shown it and, if not, why. Newest first, a page at a time.
 */
function featuringSection(ctx: ScreenContext, mine: () => ConsentRecord | undefined) {
	const list = h('ul', { class: 'featuring-list' });
	const note = h('p', { class: 'muted', role: 'status' });
	const more = h('button', { type: 'button', hidden: true, onclick: () => void load() }, 'Load more');
	const el = h(
		'section',
		{ class: 'card featuring', 'aria-labelledby': 'featuring-title', 'aria-live': 'polite' },
		h('h2', { id: 'featuring-title' }, 'Clips featuring you'),
		list,
		note,
		more,
	);
	let cursor: string | undefined;
	// A reload while a page is in flight makes that page stale.
	let generation = 0;

	async function load(fresh = false) {
		const mineNow = ++generation;
		if (fresh) cursor = undefined;
		more.disabled = true;
		note.textContent = 'Looking…';
		try {
			const page = await ctx.api.cameoClips(cursor);
			if (mineNow !== generation) return;
			if (fresh) list.replaceChildren();
			list.append(...page.clips.map((item) => featuringItem(item, mine())));
			cursor = page.cursor;
			note.textContent = list.childElementCount === 0 ? 'No clips feature you yet.' : '';
			more.hidden = !cursor;
		} catch (error) {
			if (mineNow === generation) note.textContent = `Could not look: ${errorText(error)}`;
		} finally {
			more.disabled = false;
		}
	}

	return {
		el,
		reload: () => load(true),
		destroy() {
			generation += 1;
		},
	};
}

function featuringItem(item: CameoClip, mine: ConsentRecord | undefined): HTMLElement {
	if (item.state !== 'hidden') {
		return h('li', { class: 'featuring-item', 'data-state': 'shown' }, clipTile(item.clip), h('span', { class: 'state state-shown' }, 'Shown'));
	}
	const record = recordOf(item.clip);
	// Hidden clips have no page to open and nothing to play: what it is, and why nobody sees it.
	return h(
		'li',
		{ class: 'featuring-item', 'data-state': 'hidden', 'data-reason': item.reason },
		h(
			'span',
			{ class: 'tile tile-hidden' },
			h('span', { class: 'tile-info' }, h('span', { class: 'tile-author' }, `@${item.clip.author.handle}`), h('span', { class: 'tile-caption' }, record.caption ?? record.prompt)),
		),
		h('span', { class: 'state state-hidden' }, 'Hidden from everyone'),
		h('span', { class: 'state-why' }, hiddenText(item, mine)),
	);
}
