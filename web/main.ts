// Dreamreel's web client: boots from the deployment's config, keeps the session, routes on the hash.
import { Api } from './lib/api.ts';
import { loadConfig, type AppConfig } from './lib/config.ts';
import { restorePasswordSession } from './lib/app-password.ts';
import { finishOAuthSignIn, oauthCallbackParams, restoreOAuthSession } from './lib/oauth.ts';
import { sessionEvents } from './lib/session.ts';
import { parsePagePath } from '../worker/pages/paths.ts';
import { clipScreen, lineageScreen } from './ui/clip-page.ts';
import { consentScreen } from './ui/consent.ts';
import { draftsScreen } from './ui/drafts.ts';
import { uploadScreen } from './ui/upload.ts';
import { href, parseRoute, type ScreenContext, type Route, type Screen } from './ui/context.ts';
import { errorText, fill, h } from './ui/dom.ts';
import { generateScreen } from './ui/generate.ts';
import { homeScreen } from './ui/home.ts';
import { icon, type IconName } from './ui/icons.ts';
import { profileScreen } from './ui/profile.ts';
import { notificationBell, type Bell } from './ui/bell.ts';
import { notificationsScreen } from './ui/notifications.ts';
import { searchScreen, tagScreen } from './ui/search.ts';
import { signInScreen } from './ui/signin.ts';

const viewRoot = document.getElementById('view')!;
const navRoot = document.getElementById('nav')!;
const toastRoot = document.getElementById('toast')!;

let config: AppConfig;
let ctx: ScreenContext;
let current: Screen | undefined;
let toastTimer: ReturnType<typeof setTimeout> | undefined;
let bell: Bell | undefined;

function buildContext(): void {
	const session = restoreOAuthSession(config) ?? restorePasswordSession(config);
	bell?.stop();
	const api = new Api(config, session);
	bell = session ? notificationBell(api) : undefined;
	ctx = {
		config,
		session,
		api,
		navigate: (hash) => {
			if (location.hash === hash) render();
			else location.hash = hash;
		},
		toast: (message) => {
			toastRoot.textContent = message;
			toastRoot.hidden = false;
			clearTimeout(toastTimer);
			toastTimer = setTimeout(() => (toastRoot.hidden = true), 4000);
		},
	};
}

function screenFor(route: Route): Screen {
	switch (route.name) {
		case 'forYou':
		case 'following':
			return homeScreen(ctx, route.name);
		case 'signin':
			if (ctx.session) {
				queueMicrotask(() => ctx.navigate(route.query.get('next') || href.forYou()));
				return { el: h('div'), title: 'Signed in' };
			}
			return signInScreen(ctx, {
				next: route.query.get('next') ?? '',
				oauth: route.query.get('oauth') ?? undefined,
				provider: route.query.get('provider') ?? undefined,
				error: route.query.get('error') ?? undefined,
			});
		case 'generate':
			return ctx.session ? generateScreen(ctx, route.query.get('remix') ?? undefined) : signInFirst('Sign in to generate clips.');
		case 'upload':
			return ctx.session ? uploadScreen(ctx) : signInFirst('Sign in to upload a video.');
		case 'drafts':
			return ctx.session ? draftsScreen(ctx) : signInFirst('Sign in to see your drafts.');
		case 'consent':
			return ctx.session ? consentScreen(ctx) : signInFirst('Sign in to decide who may use your likeness.');
		case 'profile':
			return profileScreen(ctx, route.arg);
		case 'clip':
			return clipScreen(ctx, route.arg);
		case 'lineage':
			return lineageScreen(ctx, route.arg);
		case 'search':
			return searchScreen(ctx, route.query.get('q') ?? '');
		case 'tag':
			return tagScreen(ctx, route.arg);
		case 'notifications':
			return ctx.session ? notificationsScreen(ctx) : signInFirst('Sign in to see your notifications.');
		case 'notFound':
			return { el: h('div', { class: 'page narrow' }, h('h1', null, 'Not found'), h('a', { href: href.forYou() }, 'Back to For You')), title: 'Not found' };
	}
}

function signInFirst(why: string): Screen {
	return {
		title: 'Sign in',
		el: h('div', { class: 'page narrow' }, h('div', { class: 'card' }, h('p', null, why), h('a', { class: 'button primary', href: href.signin(location.hash) }, 'Sign in'))),
	};
}

function render(): void {
	current?.destroy?.();
	const route = parseRoute(location.hash);
	current = screenFor(route);
	viewRoot.replaceChildren(current.el);
	viewRoot.dataset.route = route.name;
	document.title = `${current.title} · Dreamreel`;
	renderNav(route);
}

function renderNav(route: Route): void {
	const item = (label: string, target: string, name: IconName, on: boolean) =>
		h('a', { href: target, class: 'nav-item', 'aria-current': on ? 'page' : undefined }, icon(name), h('span', null, label));
	const me = ctx.session;
	bell?.el.setAttribute('aria-current', route.name === 'notifications' ? 'page' : 'false');
	const mine = route.name === 'profile' && !!me && (route.arg === me.handle || route.arg === me.did);
	fill(
		navRoot,
		h('a', { href: href.forYou(), class: 'brand', 'aria-label': 'Dreamreel home' }, 'dreamreel'),
		item('Home', href.forYou(), 'home', route.name === 'forYou' || route.name === 'following'),
		item('Search', href.search(), 'search', route.name === 'search' || route.name === 'tag'),
		item('Create', href.generate(), 'plus', route.name === 'generate' || route.name === 'upload' || route.name === 'drafts'),
		bell?.el,
		item('Consent', href.consent(), 'shield', route.name === 'consent'),
		me ? item('Me', href.profile(me.handle), 'person', mine) : item('Sign in', href.signin(), 'person', route.name === 'signin'),
	);
}

// The skip link would change the hash (the router's), so it moves focus itself.
document.querySelector('.skip')?.addEventListener('click', (event) => {
	event.preventDefault();
	viewRoot.focus();
});

async function boot(): Promise<void> {
	try {
		config = await loadConfig();
	} catch (error) {
		fill(viewRoot, h('div', { class: 'page narrow' }, h('h1', null, 'Dreamreel is unreachable'), h('p', null, String(error))));
		return;
	}
	await finishOAuthCallback();
	adoptPagePath();
	buildContext();
	addEventListener('hashchange', render);
	sessionEvents.addEventListener('change', () => {
		buildContext();
		render();
	});
	render();
}

/**
 * Back from the authorization server (`#state=…&code=…`): the code is exchanged for tokens before
 * the first render, and the page goes where sign-in was started from, or back to sign-in with why.
 */
async function finishOAuthCallback(): Promise<void> {
	const params = oauthCallbackParams();
	if (!params) return;
	// The code is single-use: never leave it in the address bar or the history.
	history.replaceState(null, '', location.pathname + location.search);
	fill(viewRoot, h('p', { class: 'boot' }, 'Signing you in…'));
	let landing: string;
	try {
		landing = (await finishOAuthSignIn(config, params)).next || href.forYou();
	} catch (error) {
		landing = `#/signin?${new URLSearchParams({ error: errorText(error) })}`;
	}
	history.replaceState(null, '', landing);
}

/** A shared page's real URL (`/c/…`, `/r/…`, `/@…`, served with link previews): its hash route takes over. */
function adoptPagePath(): void {
	const page = location.pathname === '/' ? undefined : parsePagePath(location.pathname);
	if (!page) return;
	const hash =
		page.kind === 'profile' ? href.profile(page.actor) : page.kind === 'tag' ? href.tag(page.tag) : page.kind === 'clip' ? href.clip(page.uri) : href.lineage(page.uri);
	history.replaceState(null, '', `/${hash}`);
}

void boot();
