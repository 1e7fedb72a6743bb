import type { Api } from '../lib/api.ts';
import type { AppConfig } from '../lib/config.ts';
import type { Session } from '../lib/session.ts';

/** What every screen is given: built once per sign-in state, passed explicitly. */
export interface ScreenContext {
	config: AppConfig;
	session: Session | undefined;
	api: Api;
	navigate(hash: string): void;
	/** A short message in the polite live region. */
	toast(message: string): void;
}

/** A mounted screen; `destroy` stops its videos, sockets and timers. */
export interface Screen {
	el: HTMLElement;
	title: string;
	destroy?(): void;
}

export interface Route {
	name: 'forYou' | 'following' | 'generate' | 'upload' | 'drafts' | 'consent' | 'profile' | 'clip' | 'lineage' | 'signin' | 'search' | 'tag' | 'notifications' | 'notFound';
	/** The profile's actor, or the clip's AT-URI. */
	arg: string;
	query: URLSearchParams;
}

/** Hash routes: the worker serves one static page, so the path never reaches it. */
export function parseRoute(hash: string): Route {
	const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
	const query = new URLSearchParams(search);
	const [, first = '', ...rest] = path.split('/');
	const arg = decodeURIComponent(rest.join('/'));
	switch (first) {
		case '':
			return { name: 'forYou', arg, query };
		case 'following':
		case 'generate':
		case 'upload':
		case 'drafts':
		case 'consent':
		case 'signin':
		case 'search':
		case 'notifications':
			return { name: first, arg, query };
		case 'profile':
		case 'clip':
		case 'lineage':
		case 'tag':
			return arg ? { name: first, arg, query } : { name: 'notFound', arg, query };
		default:
			return { name: 'notFound', arg, query };
	}
}

/** A profile is linked by handle, or by DID while the index has no verified handle. */
export function actorOf(profile: { did: string; handle: string }): string {
	return profile.handle === 'handle.invalid' ? profile.did : profile.handle;
}

export const href = {
	forYou: () => '#/',
	following: () => '#/following',
	generate: (remixOf?: string) => (remixOf ? `#/generate?remix=${encodeURIComponent(remixOf)}` : '#/generate'),
	upload: () => '#/upload',
	drafts: () => '#/drafts',
	consent: () => '#/consent',
	profile: (actor: string) => `#/profile/${encodeURIComponent(actor)}`,
	clip: (uri: string) => `#/clip/${encodeURIComponent(uri)}`,
	lineage: (uri: string) => `#/lineage/${encodeURIComponent(uri)}`,
	search: () => '#/search',
	tag: (tag: string) => `#/tag/${encodeURIComponent(tag)}`,
	notifications: () => '#/notifications',
	signin: (next?: string) => (next ? `#/signin?next=${encodeURIComponent(next)}` : '#/signin'),
};
