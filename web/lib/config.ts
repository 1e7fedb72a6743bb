/** What the client learns from the deployment it is served by. */
export interface AppConfig {
	/** The AppView's origin (this page's). */
	appUrl: string;
	/** From `/.well-known/did.json`: named in `atproto-proxy` and as the audience of service tokens. */
	serviceDid: string;
	/** Resolves did:plc; the worker names its own (the local one under `npm start`). */
	plcUrl: string;
	/** Where handles the DNS cannot resolve (`*.test`) are resolved: `com.atproto.identity.resolveHandle`. */
	handleResolver?: string;
	/** The deployment's OAuth client; without one, sign-in takes an app password. */
	oauth?: OAuthClient;
}

/** From the worker's `/oauth/client-metadata.json`: what an authorization request names. */
export interface OAuthClient {
	clientId: string;
	/** Where the authorization server sends the browser back; its origin holds the OAuth session. */
	redirectUri: string;
	scope: string;
}

const PUBLIC_PLC = 'https://plc.directory';

/**
 * The service DID is never hard-coded: it follows the deployment's public URL (the port is part of
 * a local did:web). The PLC directory and handle resolver come from the worker's client config
 * when it serves one, else the public defaults; the OAuth client from its client metadata.
 */
export async function loadConfig(appUrl = location.origin): Promise<AppConfig> {
	type ClientConfig = { plcUrl?: unknown; handleResolver?: unknown };
	type ClientMetadata = { client_id?: unknown; redirect_uris?: unknown; scope?: unknown };
	const [didDoc, client, metadata] = await Promise.all([
		fetchJson<{ id?: unknown; service?: { id?: unknown }[] }>(new URL('/.well-known/did.json', appUrl)),
		fetchJson<ClientConfig>(new URL('/.well-known/dreamreel-client.json', appUrl)).catch((): ClientConfig => ({})),
		fetchJson<ClientMetadata>(new URL('/oauth/client-metadata.json', appUrl)).catch((): ClientMetadata => ({})),
	]);
	if (typeof didDoc.id !== 'string' || !didDoc.service?.some((service) => service.id === '#dreamreel')) {
		throw new Error('this deployment serves no Dreamreel service DID document');
	}
	return {
		appUrl,
		serviceDid: didDoc.id,
		plcUrl: typeof client.plcUrl === 'string' ? client.plcUrl : PUBLIC_PLC,
		...(typeof client.handleResolver === 'string' && client.handleResolver ? { handleResolver: client.handleResolver } : {}),
		...oauthClientOf(metadata),
	};
}

function oauthClientOf(metadata: { client_id?: unknown; redirect_uris?: unknown; scope?: unknown }): { oauth?: OAuthClient } {
	const { client_id: clientId, redirect_uris: redirects, scope } = metadata;
	const redirectUri = Array.isArray(redirects) ? (redirects[0] as unknown) : undefined;
	if (typeof clientId !== 'string' || typeof redirectUri !== 'string' || typeof scope !== 'string') return {};
	return { oauth: { clientId, redirectUri, scope } };
}

async function fetchJson<T>(url: URL): Promise<T> {
	const response = await fetch(url, { headers: { accept: 'application/json' } });
	if (!response.ok) throw new Error(`${url.pathname}: ${response.status}`);
	return (await response.json()) as T;
}

