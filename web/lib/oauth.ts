import { ClientResponseError } from '@atcute/client';
import type * as OAuthLibrary from '@atcute/oauth-browser-client';
import type { AppConfig, OAuthClient } from './config.ts';
import type { ResolveOptions } from './identity.ts';
import { announceChange, normalizeUrl, Session, sessionExpired, type Account, type CallOptions, type Nsid } from './session.ts';

/** Which account the OAuth session is for; the library keeps the tokens and DPoP key itself. */
const ACCOUNT_KEY = 'dreamreel:oauth';
const STORAGE_NAME = 'dreamreel-oauth';

type Library = typeof OAuthLibrary;
type ResolvedActor = Awaited<ReturnType<OAuthLibrary.ConfigureOAuthOptions['identityResolver']['resolve']>>;

/** The PDS has no OAuth authorization server (or none this page can reach): use an app password. */
export class OAuthUnavailable extends Error {
	override readonly name = 'OAuthUnavailable';
}

let loading: Promise<Library> | undefined;

/**
 * The OAuth library, loaded on first use (signed-out viewers never download it) and configured once
 * per page with the deployment's client and our own identity resolution (its PLC directory and
 * handle resolver).
 */
async function library(config: AppConfig): Promise<Library> {
	const client = clientOf(config);
	loading ??= Promise.all([import('@atcute/oauth-browser-client'), import('./identity.ts')]).then(
		([lib, { actorResolver }]) => {
			lib.configureOAuth({
				metadata: { client_id: client.clientId, redirect_uri: client.redirectUri },
				// The deployment's PLC directory and handle resolver (the local ones under `npm start`).
				identityResolver: actorResolver(resolveOptions(config)),
				storageName: STORAGE_NAME,
			});
			return lib;
		},
		(error: unknown) => {
			loading = undefined;
			throw error;
		},
	);
	return loading;
}

function clientOf(config: AppConfig): OAuthClient {
	if (!config.oauth) throw new OAuthUnavailable('this deployment has no OAuth client');
	return config.oauth;
}

/**
 * The origin OAuth sign-in must happen on: the redirect URI's. The browser comes back there, and
 * the PKCE verifier and DPoP key stored when it left must be readable there (locally the app
 * is on `localhost` while loopback clients return to `127.0.0.1`).
 */
export function oauthOrigin(config: AppConfig): string | undefined {
	return config.oauth && new URL(config.oauth.redirectUri).origin;
}

/**
 * Sends the browser to the user's authorization server: handle → DID → PDS → its authorization
 * server (or straight to the hosting provider the user named when the handle does not resolve),
 * a pushed authorization request with PKCE and a DPoP key, then the server's own sign-in page.
 * `next` is where the app goes once back.
 */
export async function startOAuthSignIn(config: AppConfig, identifier: string, options: { hostingProvider?: string; next?: string } = {}): Promise<never> {
	const lib = await library(config);
	const provider = options.hostingProvider ? normalizeUrl(options.hostingProvider) : undefined;
	let target: OAuthLibrary.AuthorizeTargetOptions;
	try {
		const { resolveIdentity } = await import('./identity.ts');
		const identity = await resolveIdentity(identifier, resolveOptions(config, provider));
		target = { type: 'account', identifier: identity.did as ResolvedActor['did'] };
	} catch (error) {
		if (!provider) throw error;
		target = { type: 'pds', serviceUrl: provider };
	}
	let url: URL;
	try {
		url = await lib.createAuthorizationUrl({ target, scope: clientOf(config).scope, state: { next: options.next ?? '' } });
	} catch (error) {
		if (error instanceof lib.ResolverError) throw new OAuthUnavailable(`your provider does not offer OAuth sign-in (${error.message})`);
		// E.g. `invalid_scope` from a server that does not know granular scopes yet.
		if (error instanceof lib.OAuthResponseError) throw new OAuthUnavailable(`your provider refused Dreamreel’s sign-in request (${error.description ?? error.error})`);
		throw error;
	}
	location.assign(url);
	// The page is leaving; nothing after this runs.
	return new Promise<never>(() => {});
}

/** The authorization server's answer, if this page load is one (`#state=…&iss=…&code=…`). */
export function oauthCallbackParams(): URLSearchParams | undefined {
	const params = new URLSearchParams(location.hash.slice(1));
	return params.has('state') && params.has('iss') && (params.has('code') || params.has('error')) ? params : undefined;
}

/** Exchanges the code for DPoP-bound tokens (kept by the library) and remembers the account. */
export async function finishOAuthSignIn(config: AppConfig, params: URLSearchParams): Promise<{ session: Session; next: string }> {
	const { session, state } = await (await library(config)).finalizeAuthorization(params);
	const did = session.info.sub;
	// The server vouched for the DID; the handle is for display (the DID document's claim).
	const { resolveIdentity } = await import('./identity.ts');
	const identity = await resolveIdentity(did, resolveOptions(config)).catch(() => undefined);
	const account: Account = { did, handle: identity?.handle ?? did, pds: session.info.aud.replace(/\/$/, '') };
	localStorage.setItem(ACCOUNT_KEY, JSON.stringify(account));
	announceChange();
	const next = (state as { next?: unknown } | null)?.next;
	return { session: new OAuthSession(account, config), next: typeof next === 'string' ? next : '' };
}

/**
 * The OAuth session kept from an earlier visit, if any. The library is loaded at the first call,
 * which ends the session if its tokens are gone or cannot be refreshed.
 */
export function restoreOAuthSession(config: AppConfig): Session | undefined {
	const account = readAccount();
	return account && config.oauth ? new OAuthSession(account, config) : undefined;
}

/**
 * An OAuth session: every request to the PDS carries the DPoP-bound access token and a fresh DPoP
 * proof (the library answers nonce challenges and refreshes expired tokens). Proxied calls and
 * service tokens work as with any session: the PDS checks them against the granted `rpc:` scope.
 */
export class OAuthSession extends Session {
	readonly method = 'oauth';
	readonly #account: Account;
	#agent: Promise<OAuthLibrary.OAuthUserAgent> | undefined;

	constructor(account: Account, config: AppConfig) {
		super(config);
		this.#account = account;
	}

	protected get account(): Account {
		return this.#account;
	}

	protected handler(): Promise<OAuthLibrary.OAuthUserAgent> {
		return this.#userAgent();
	}

	override async call<T>(method: 'GET' | 'POST', nsid: Nsid, options?: CallOptions): Promise<T> {
		try {
			return await super.call<T>(method, nsid, options);
		} catch (error) {
			// The library already tried a refresh; if even that fails, the grant is gone.
			if (error instanceof ClientResponseError && error.status === 401 && /token/i.test(error.error)) await this.#agentOrExpired({ noCache: true });
			throw error;
		}
	}

	async signOut(): Promise<void> {
		try {
			// Revokes the refresh token at the authorization server, then drops the stored tokens.
			await (await this.#userAgent()).signOut();
		} catch {
			await library(this.config).then((lib) => lib.deleteStoredSession(this.did as ResolvedActor['did']), () => undefined);
		}
		forget();
	}

	#userAgent(): Promise<OAuthLibrary.OAuthUserAgent> {
		this.#agent ??= this.#agentOrExpired().catch((error: unknown) => {
			this.#agent = undefined;
			throw error;
		});
		return this.#agent;
	}

	/** Fresh tokens (refreshed when expiring); a refused refresh ends the session. */
	async #agentOrExpired(options: { noCache?: boolean } = {}): Promise<OAuthLibrary.OAuthUserAgent> {
		const lib = await library(this.config);
		try {
			return new lib.OAuthUserAgent(await lib.getSession(this.did as ResolvedActor['did'], options));
		} catch (error) {
			if (!(error instanceof lib.TokenRefreshError)) throw error;
			forget();
			throw sessionExpired();
		}
	}
}

function forget(): void {
	localStorage.removeItem(ACCOUNT_KEY);
	announceChange();
}

function readAccount(): Account | undefined {
	try {
		const data = JSON.parse(localStorage.getItem(ACCOUNT_KEY) ?? 'null') as Partial<Account> | null;
		if (data && data.did && data.handle && data.pds) return data as Account;
	} catch {
		// unreadable: as if signed out
	}
	return undefined;
}

// Another tab signed in or out.
addEventListener('storage', (event) => {
	if (event.key === ACCOUNT_KEY) announceChange();
});

function resolveOptions(config: AppConfig, provider?: string): ResolveOptions {
	return { plcUrl: config.plcUrl, handleResolvers: [provider, config.handleResolver].filter((url): url is string => !!url) };
}
