import { ClientResponseError, CredentialManager, type AtpSessionData } from '@atcute/client';
import { uploadWithProgress } from './upload.ts';
import type { AppConfig } from './config.ts';
import type { Identity } from './identity.ts';
import { announceChange, normalizeUrl, Session, sessionExpired, type Account } from './session.ts';

/** What survives a reload: @atcute/client's session data, and the PDS it was opened on. */
export interface SessionData {
	session: AtpSessionData;
	pds: string;
}

type Stored = AtpSessionData & { pds: string };

const STORAGE_KEY = 'dreamreel:session';

/**
 * A session opened with an app password (`createSession`): the fallback where OAuth is not
 * available. @atcute/client's CredentialManager sends the access token and refreshes it when the
 * PDS says it expired; every new token is saved, so a reload (or another tab) carries on with it.
 */
export class PasswordSession extends Session {
	readonly method = 'app-password';
	readonly #manager: CredentialManager;
	readonly #pds: string;
	/** The saved session; resumed at the first call (refreshed then if its access token expired). */
	readonly #saved: AtpSessionData;
	#resumed: Promise<unknown> | undefined;

	constructor(manager: CredentialManager, saved: SessionData, config: AppConfig) {
		super(config);
		this.#manager = manager;
		this.#pds = saved.pds;
		this.#saved = saved.session;
	}

	protected get account(): Account {
		const session = this.#manager.session ?? this.#saved;
		return { did: session.did, handle: session.handle, pds: this.#pds };
	}

	protected async handler(): Promise<CredentialManager> {
		if (!this.#manager.session) {
			this.#resumed ??= this.#manager.resume(this.#saved).catch((error: unknown) => {
				this.#resumed = undefined;
				// A spent or revoked refresh token: the user has to sign in again.
				if (error instanceof ClientResponseError && error.status === 401) {
					forget();
					throw sessionExpired();
				}
				throw error;
			});
			await this.#resumed;
		}
		return this.#manager;
	}

	override async uploadBlob(blob: Blob, onProgress?: (sent: number) => void): Promise<unknown> {
		const token = onProgress && (await this.handler()).session?.accessJwt;
		const ref = token ? await uploadWithProgress(this.#pds, blob, token, onProgress) : undefined;
		// Without a token, or with one the PDS refused (expired): the manager's path refreshes it.
		return ref ?? super.uploadBlob(blob, onProgress);
	}

	async signOut(): Promise<void> {
		await this.handler().then((manager) => manager.logout(), () => undefined);
		forget();
	}
}

function credentialManager(pds: string): CredentialManager {
	return new CredentialManager({
		service: pds,
		onSessionUpdate: (session) => localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...session, pds } satisfies Stored)),
		onExpired: () => forget(),
	});
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
		// Identity resolution is loaded only to sign in.
		const { resolveIdentity } = await import('./identity.ts');
		identity = await resolveIdentity(identifier, { plcUrl: config.plcUrl, handleResolvers: resolvers });
	} catch (error) {
		if (!provider) throw error;
	}
	const pds = identity?.pds ?? provider!;
	const manager = credentialManager(pds);
	const session = await manager.login({ identifier: identity?.did ?? identifier.trim().replace(/^@/, ''), password });
	if (identity && session.did !== identity.did) throw new Error(`${pds} answered for ${session.did}, not ${identity.did}`);
	// Unresolved, the PDS the user named vouches for the account by accepting its password; a
	// DID document it returns must still name it.
	if (!identity && session.pdsUri && normalizeUrl(session.pdsUri) !== pds) throw new Error(`${session.did}’s DID document names ${session.pdsUri}, not ${pds}`);
	announceChange();
	return new PasswordSession(manager, { session, pds }, config);
}

/** The app-password session kept from an earlier visit, if any; it is resumed (and checked) at the first call. */
export function restorePasswordSession(config: AppConfig): Session | undefined {
	const data = readStored();
	return data ? new PasswordSession(credentialManager(data.pds), data, config) : undefined;
}

function forget(): void {
	localStorage.removeItem(STORAGE_KEY);
	announceChange();
}

function readStored(): SessionData | undefined {
	try {
		const data = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Stored> | null;
		if (data?.pds && data.did && data.handle && data.accessJwt && data.refreshJwt) {
			const { pds, ...session } = data as Stored;
			return { session, pds };
		}
	} catch {
		// unreadable: as if signed out
	}
	return undefined;
}

// Another tab signed in or out.
addEventListener('storage', (event) => {
	if (event.key === STORAGE_KEY) announceChange();
});
