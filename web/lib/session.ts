import { Client, ClientResponseError, ok, simpleFetchHandler, type FetchHandler, type FetchHandlerObject } from '@atcute/client';
import type { Did } from '@atcute/lexicons/syntax';
import type { AppConfig } from './config.ts';
import type {} from '@atcute/atproto';
import type { XRPCProcedures, XRPCQueries } from '@atcute/lexicons/ambient';
import type {} from '../../worker/lexicons/index.ts';

/** A method some lexicon declares (ours, com.atproto's): a typo in an NSID fails the type-check. */
export type Nsid = keyof XRPCQueries | keyof XRPCProcedures;

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

export type Params = Record<string, string | number | boolean | string[] | undefined>;

export interface CallOptions {
	params?: Params;
	/** JSON for procedures; a Blob is sent as-is (uploadBlob). */
	input?: Record<string, unknown> | Blob;
	headers?: Record<string, string>;
	/** How the answer is read: JSON (the default) or, for binary outputs, a Blob. */
	as?: 'json' | 'blob';
}

/** Our NSIDs are not in @atcute/client's ambient registry, so calls are untyped and cast at the call site. */
type AnyClient = Client<Record<string, unknown>, Record<string, unknown>>;

/** One XRPC call with @atcute/client: a failure throws its `ClientResponseError` (`error`, `status`). */
export function callXrpc<T>(client: AnyClient, method: 'GET' | 'POST', nsid: Nsid, options: CallOptions = {}): Promise<T> {
	const init = { params: options.params, headers: options.headers, as: options.as ?? 'json' };
	const response = method === 'GET' ? client.get(nsid, init) : client.post(nsid, { ...init, input: options.input });
	return ok(response) as Promise<T>;
}

/** A client for a service with no credentials: the AppView for signed-out viewers. */
export function publicClient(service: string): AnyClient {
	return new Client<Record<string, unknown>, Record<string, unknown>>({ handler: simpleFetchHandler({ service }) });
}

/**
 * A signed-in account: OAuth (`OAuthSession`) or an app password (`PasswordSession`). Every call
 * goes to the user's own PDS with their credentials; Dreamreel's authenticated methods go through it
 * too, with `atproto-proxy`, so the PDS mints the service JWT and the page never holds a signing key.
 */
export abstract class Session {
	abstract readonly method: 'oauth' | 'app-password';
	protected abstract get account(): Account;
	/** The session's fetch handler (tokens, refresh, DPoP), ready once it is. */
	protected abstract handler(): Promise<FetchHandler | FetchHandlerObject>;

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
	async call<T>(method: 'GET' | 'POST', nsid: Nsid, options?: CallOptions): Promise<T> {
		return callXrpc<T>(new Client<Record<string, unknown>, Record<string, unknown>>({ handler: await this.handler() }), method, nsid, options);
	}

	/** A Dreamreel method, proxied by the user's PDS to the AppView. */
	async appview<T>(method: 'GET' | 'POST', nsid: Nsid, options?: CallOptions): Promise<T> {
		const proxy = { did: this.config.serviceDid as Did, serviceId: '#dreamreel' as const };
		return callXrpc<T>(new Client<Record<string, unknown>, Record<string, unknown>>({ handler: await this.handler(), proxy }), method, nsid, options);
	}

	/**
	 * Uploads a blob to the user's PDS: its reference. `onProgress` hears the fraction sent where the
	 * session can tell (app passwords, whose bearer token XMLHttpRequest can send), else only the end.
	 */
	async uploadBlob(blob: Blob, onProgress?: (sent: number) => void): Promise<unknown> {
		const { blob: ref } = await this.call<{ blob: unknown }>('POST', 'com.atproto.repo.uploadBlob', { input: blob });
		onProgress?.(1);
		return ref;
	}

	/** Revokes the session at the PDS (best effort) and forgets it. */
	abstract signOut(): Promise<void>;

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

export function sessionExpired(): ClientResponseError {
	return new ClientResponseError({ status: 401, data: { error: 'SessionExpired', message: 'your session has ended; sign in again' } });
}

export function normalizeUrl(value: string): string {
	const trimmed = value.trim();
	const url = new URL(/^https?:\/\//.test(trimmed) ? trimmed : `https://${trimmed}`);
	return url.origin;
}
