import { signIn } from '../lib/session.ts';
import type { AppContext, View } from './context.ts';
import { errorText, h } from './dom.ts';

/**
 * Sign in with an AT-Proto account on any PDS: the handle is resolved to a DID and the DID document
 * names the PDS, which opens a session. An app password is the right thing to type here.
 */
export function signInView(ctx: AppContext, next: string): View {
	const identifier = h('input', { name: 'identifier', id: 'identifier', autocomplete: 'username', required: true, placeholder: 'alice.bsky.social', spellcheck: false, autocapitalize: 'none' });
	const password = h('input', { name: 'password', id: 'password', type: 'password', autocomplete: 'current-password', required: true });
	const provider = h('input', { name: 'provider', id: 'provider', type: 'url', placeholder: 'https://pds.example.com', spellcheck: false, autocapitalize: 'none' });
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
	const form = h(
		'form',
		{ class: 'card form', onsubmit: (event: Event) => void submitForm(event) },
		h('h1', null, 'Sign in'),
		h('p', { class: 'muted' }, 'Use your AT Protocol account — Bluesky or any PDS. Your clips, likes and consent live in your own repo.'),
		h('label', { for: 'identifier' }, 'Handle or DID'),
		identifier,
		h('label', { for: 'password' }, 'App password'),
		password,
		h('p', { class: 'hint' }, 'Create an app password in your provider’s settings; it can be revoked at any time without changing your main password.'),
		h(
			'details',
			{ class: 'advanced' },
			h('summary', null, 'Hosting provider'),
			h('label', { for: 'provider' }, 'PDS URL (if your handle cannot be found)'),
			provider,
		),
		submit,
		status,
	);

	async function submitForm(event: Event) {
		event.preventDefault();
		submit.disabled = true;
		status.textContent = 'Finding your account…';
		try {
			const session = await signIn(ctx.config, identifier.value, password.value, { hostingProvider: provider.value || undefined });
			status.textContent = `Signed in as @${session.handle}.`;
			ctx.navigate(next || '#/');
		} catch (error) {
			status.textContent = errorText(error);
			submit.disabled = false;
		}
	}

	queueMicrotask(() => identifier.focus());
	return { el: h('div', { class: 'page narrow' }, form), title: 'Sign in' };
}
