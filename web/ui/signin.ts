import { signInWithAppPassword } from '../lib/app-password.ts';
import { OAuthUnavailable, oauthOrigin, startOAuthSignIn } from '../lib/oauth.ts';
import type { ScreenContext, Screen } from './context.ts';
import { errorText, h } from './dom.ts';

/** What the sign-in page is opened with: `next`, and where OAuth sign-in left off. */
export interface SignInQuery {
	next: string;
	/** Set when the page was sent here to start OAuth sign-in on the redirect URI's origin. */
	oauth?: string;
	provider?: string;
	/** Why the last attempt failed (an OAuth callback that did not end signed in). */
	error?: string;
}

/**
 * Sign in with an AT-Proto account on any PDS: the handle is resolved to a DID and the DID document
 * names the PDS. By default through AT Protocol OAuth: the user signs in and approves Dreamreel on
 * their provider's own page, and the app never sees a password. An app password is the fallback
 * for providers without OAuth (and deployments without an OAuth client).
 */
export function signInScreen(ctx: ScreenContext, query: SignInQuery): Screen {
	const canOAuth = !!ctx.config.oauth;
	let mode: 'oauth' | 'app-password' = canOAuth ? 'oauth' : 'app-password';

	const identifier = h('input', { name: 'identifier', id: 'identifier', autocomplete: 'username', required: true, placeholder: 'alice.bsky.social', spellcheck: false, autocapitalize: 'none' });
	const password = h('input', { name: 'password', id: 'password', type: 'password', autocomplete: 'current-password' });
	const provider = h('input', { name: 'provider', id: 'provider', type: 'url', placeholder: 'https://pds.example.com', spellcheck: false, autocapitalize: 'none' });
	const passwordFields = h(
		'div',
		{ class: 'field-group' },
		h('label', { for: 'password' }, 'App password'),
		password,
		h('p', { class: 'hint' }, 'Create an app password in your provider’s settings; it can be revoked at any time without changing your main password.'),
	);
	const oauthHint = h('p', { class: 'hint' }, 'You’ll sign in on your provider’s own page and approve what Dreamreel may do; Dreamreel never sees your password.');
	const toggle = h('button', { type: 'button', class: 'link-button', onclick: () => setMode(mode === 'oauth' ? 'app-password' : 'oauth') });
	const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' }, query.error ? `Sign-in did not complete: ${query.error}` : '');
	const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
	const form = h(
		'form',
		{ class: 'card form', onsubmit: (event: Event) => void submitForm(event) },
		h('h1', null, 'Sign in'),
		h('p', { class: 'muted' }, 'Use your AT Protocol account — Bluesky or any PDS. Your clips, likes and consent live in your own repo.'),
		h('label', { for: 'identifier' }, 'Handle or DID'),
		identifier,
		oauthHint,
		passwordFields,
		h(
			'details',
			{ class: 'advanced', open: !!query.provider },
			h('summary', null, 'Hosting provider'),
			h('label', { for: 'provider' }, 'PDS URL (if your handle cannot be found)'),
			provider,
		),
		submit,
		canOAuth && toggle,
		status,
	);

	function setMode(next: typeof mode) {
		mode = next;
		passwordFields.hidden = mode === 'oauth';
		password.required = mode === 'app-password';
		oauthHint.hidden = mode !== 'oauth';
		toggle.textContent = mode === 'oauth' ? 'Use an app password instead' : 'Use your provider’s sign-in page instead';
		if (mode === 'app-password' && identifier.value) password.focus();
	}

	async function submitForm(event?: Event) {
		event?.preventDefault();
		submit.disabled = true;
		status.textContent = 'Finding your account…';
		const hostingProvider = provider.value || undefined;
		try {
			if (mode === 'app-password') {
				const session = await signInWithAppPassword(ctx.config, identifier.value, password.value, { hostingProvider });
				status.textContent = `Signed in as @${session.handle}.`;
				ctx.navigate(query.next || '#/');
				return;
			}
			const origin = oauthOrigin(ctx.config);
			if (origin && origin !== location.origin) {
				// The session will live on the redirect URI's origin: start from there.
				status.textContent = 'Continuing on this deployment’s sign-in address…';
				location.assign(`${origin}/${resumeHash(identifier.value, hostingProvider, query.next)}`);
				return;
			}
			status.textContent = 'Opening your provider’s sign-in page…';
			await startOAuthSignIn(ctx.config, identifier.value, { hostingProvider, next: query.next });
		} catch (error) {
			if (error instanceof OAuthUnavailable) {
				setMode('app-password');
				status.textContent = `${errorText(error)}. Use an app password instead.`;
			} else {
				status.textContent = errorText(error);
			}
			submit.disabled = false;
		}
	}

	setMode(mode);
	identifier.value = query.oauth ?? '';
	provider.value = query.provider ?? '';
	queueMicrotask(() => {
		identifier.focus();
		if (query.oauth && mode === 'oauth') void submitForm();
	});
	return { el: h('div', { class: 'page narrow' }, form), title: 'Sign in' };
}

function resumeHash(identifier: string, provider: string | undefined, next: string): string {
	const params = new URLSearchParams({ oauth: identifier });
	if (provider) params.set('provider', provider);
	if (next) params.set('next', next);
	return `#/signin?${params}`;
}
