import type { AppConfig } from './config.ts';
import { XrpcError, type CallOptions } from './xrpc.ts';

/** Fires `change` when the user signs in or out, here or in another tab. */
export const sessionEvents = new EventTarget();

export function announceChange(): void {
	sessionEvents.dispatchEvent(new Event('change'));
}

/** The account a session speaks for. */
export interface Account {
	did: string;
	handle: string;
	pds: string;
}

/**
 * A signed-in account: OAuth (`OAuthSession`) or an app password (`PasswordSession`). Every call
 * goes to the user's own PDS with their credentials; Dreamreel's authenticated methods go through it
 * too, with `atproto-proxy`, so the PDS mints the service JWT and the page never holds a signing key.
 */
export abstract class Session {
	abstract readonly method: 'oauth' | 'app-password';
	protected abstract get account(): Account;

	constructor(protected readonly config: AppConfig) {}

	get did(): string {
		return this.account.did;
	}

	get handle(): string {
		return this.account.handle;
	}

	get pds(): string {
		return this.account.pds;
	}

	get serviceDid(): string {
		return this.config.serviceDid;
	}

	/** A call to the user's PDS. */
	abstract call<T>(method: 'GET' | 'POST', nsid: string, options?: CallOptions): Promise<T>;

	/** Revokes the session at the PDS (best effort) and forgets it. */
	abstract signOut(): Promise<void>;

	/** A Dreamreel method, proxied by the user's PDS to the AppView. */
	appview<T>(method: 'GET' | 'POST', nsid: string, options: CallOptions = {}): Promise<T> {
		const headers = { ...options.headers, 'atproto-proxy': `${this.config.serviceDid}#dreamreel` };
		return this.call<T>(method, nsid, { ...options, headers });
	}

	/**
	 * A service JWT for the AppView, for what cannot be proxied (the job WebSocket). Addressed to
	 * `#dreamreel`, the service an OAuth session's `rpc:` scope names.
	 */
	async serviceToken(lxm: string): Promise<string> {
		const { token } = await this.call<{ token: string }>('GET', 'com.atproto.server.getServiceAuth', {
			params: { aud: `${this.config.serviceDid}#dreamreel`, lxm },
		});
		return token;
	}
}

export function sessionExpired(): XrpcError {
	return new XrpcError(401, 'SessionExpired', 'your session has ended; sign in again');
}

export function normalizeUrl(value: string): string {
	const trimmed = value.trim();
	const url = new URL(/^https?:\/\//.test(trimmed) ? trimmed : `https://${trimmed}`);
	return url.origin;
}
