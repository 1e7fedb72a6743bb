import type { AppConfig } from './config.ts';
import { pdsOf, resolveIdentity, type DidDocument, type Identity } from './identity.ts';
import { announceChange, normalizeUrl, Session, sessionExpired, type Account } from './session.ts';
import { xrpc, XrpcError, type CallOptions } from './xrpc.ts';

/** What survives a reload: the tokens of a `com.atproto.server.createSession` session. */
export interface SessionData extends Account {
	accessJwt: string;
	refreshJwt: string;
}

const STORAGE_KEY = 'dreamreel:session';
/** Refresh this long before the access token expires, so a call never starts with a dying token. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * A session opened with an app password (`createSession`): the fallback where OAuth is not
 * available. Tokens are refreshed before they expire, once per tab at a time, and shared with
 * other tabs through localStorage.
 */
export class PasswordSession extends Session {
	readonly method = 'app-password';
	#data: SessionData;
	#refreshing: Promise<void> | undefined;

	constructor(data: SessionData, config: AppConfig) {
		super(config);
		this.#data = data;
	}

	protected get account(): Account {
		return this.#data;
	}

	async call<T>(method: 'GET' | 'POST', nsid: string, options: CallOptions = {}): Promise<T> {
		if (expiresAt(this.#data.accessJwt) - Date.now() < EXPIRY_MARGIN_MS) await this.refresh();
		try {
			return await xrpc<T>(this.#data.pds, method, nsid, withAuth(options, this.#data.accessJwt));
		} catch (error) {
			if (!(error instanceof XrpcError && error.error === 'ExpiredToken')) throw error;
			await this.refresh();
			return xrpc<T>(this.#data.pds, method, nsid, withAuth(options, this.#data.accessJwt));
		}
	}

	refresh(): Promise<void> {
		this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
		return this.#refreshing;
	}

	async #refresh(): Promise<void> {
		// Another tab may have refreshed already: its tokens replace ours (ours may be spent).
		const stored = readStored();
		if (stored?.did === this.#data.did && stored.refreshJwt !== this.#data.refreshJwt) {
			this.#data = stored;
			if (expiresAt(stored.accessJwt) - Date.now() >= EXPIRY_MARGIN_MS) return;
		}
		try {
			const next = await xrpc<{ accessJwt: string; refreshJwt: string; handle?: string }>(this.#data.pds, 'POST', 'com.atproto.server.refreshSession', {
				headers: { authorization: `Bearer ${this.#data.refreshJwt}` },
			});
			this.#data = { ...this.#data, accessJwt: next.accessJwt, refreshJwt: next.refreshJwt, handle: next.handle ?? this.#data.handle };
			localStorage.setItem(STORAGE_KEY, JSON.stringify(this.#data));
		} catch (error) {
			if (error instanceof XrpcError && error.status >= 400 && error.status < 500) {
				// The refresh token is spent or revoked: the user has to sign in again.
				forget();
				throw sessionExpired();
			}
			throw error;
		}
	}

	async signOut(): Promise<void> {
		await xrpc(this.#data.pds, 'POST', 'com.atproto.server.deleteSession', {
			headers: { authorization: `Bearer ${this.#data.refreshJwt}` },
		}).catch(() => undefined);
		forget();
	}
}

export interface SignInOptions {
	/** A PDS URL the user named ("hosting provider"): resolves their handle, and is the fallback PDS. */
	hostingProvider?: string;
}

/**
 * handle → DID → DID document → PDS, then `createSession` there. When the identity cannot be
 * resolved (a PLC directory this page cannot reach) but the user named their hosting provider,
 * the session is opened there.
 */
export async function signInWithAppPassword(config: AppConfig, identifier: string, password: string, options: SignInOptions = {}): Promise<Session> {
	const provider = options.hostingProvider ? normalizeUrl(options.hostingProvider) : undefined;
	const resolvers = [provider, config.handleResolver].filter((url): url is string => !!url);
	let identity: Identity | undefined;
	try {
		identity = await resolveIdentity(identifier, { plcUrl: config.plcUrl, handleResolvers: resolvers });
	} catch (error) {
		if (!provider) throw error;
	}
	const pds = identity?.pds ?? provider!;
	const created = await xrpc<{ did: string; handle: string; accessJwt: string; refreshJwt: string; didDoc?: DidDocument }>(
		pds,
		'POST',
		'com.atproto.server.createSession',
		{ input: { identifier: identity?.did ?? identifier.trim().replace(/^@/, ''), password } },
	);
	if (identity && created.did !== identity.did) throw new Error(`${pds} answered for ${created.did}, not ${identity.did}`);
	// Unresolved, the PDS the user named vouches for the account by accepting its password; a
	// DID document it returns must still name it.
	const named = !identity && created.didDoc ? pdsOf(created.didDoc) : undefined;
	if (named && normalizeUrl(named) !== pds) throw new Error(`${created.did}’s DID document names ${named}, not ${pds}`);
	const data: SessionData = { did: created.did, handle: created.handle, pds, accessJwt: created.accessJwt, refreshJwt: created.refreshJwt };
	localStorage.setItem(STORAGE_KEY, JSON.stringify(data));
	announceChange();
	return new PasswordSession(data, config);
}

/** The app-password session kept from an earlier visit, if any; the PDS decides at the first call whether it is still good. */
export function restorePasswordSession(config: AppConfig): Session | undefined {
	const data = readStored();
	return data ? new PasswordSession(data, config) : undefined;
}

function forget(): void {
	localStorage.removeItem(STORAGE_KEY);
	announceChange();
}

function readStored(): SessionData | undefined {
	try {
		const data = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<SessionData> | null;
		if (data && data.did && data.handle && data.pds && data.accessJwt && data.refreshJwt) return data as SessionData;
	} catch {
		// unreadable: as if signed out
	}
	return undefined;
}

// Another tab signed in or out.
addEventListener('storage', (event) => {
	if (event.key === STORAGE_KEY) announceChange();
});

function withAuth(options: CallOptions, token: string): CallOptions {
	return { ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } };
}

/**
 * A JWT's `exp` in ms. A token we cannot read is not refreshed ahead of time: the PDS's
 * `ExpiredToken` answer still triggers the refresh.
 */
function expiresAt(jwt: string): number {
	try {
		const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
		return typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
	} catch {
		return Number.POSITIVE_INFINITY;
	}
}
