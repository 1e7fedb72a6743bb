import { getAtprotoVerificationMaterial, type DidDocument } from '@atcute/identity';
import type { DidDocumentResolver } from '@atcute/identity-resolver';
import type { Did, Nsid } from '@atcute/lexicons';
import type { AtprotoAudience } from '@atcute/lexicons/syntax';
import { AuthRequiredError, XRPCError } from '@atcute/xrpc-server';
import { ServiceJwtVerifier, type ReplayStore } from '@atcute/xrpc-server/auth';
import type { Config } from './config.ts';
import { IsolateCache } from './isolate-cache.ts';

/** A service JWT is a few hundred bytes; DIDs are at most 2 KB. Anything bigger is refused unread. */
export const MAX_AUTHORIZATION_BYTES = 4096;
/** Clocks disagree a little; a token issued further in the future than this was not issued now. */
export const IAT_SKEW_SECONDS = 30;
/** How long a verified query token is remembered at most, whatever its `exp`. */
const REUSE_MS = 60_000;

/**
 * Inter-service JWTs (atproto service auth): signed by the caller's `#atproto` key, addressed to our
 * service DID (bare, or with a service fragment as PDSes proxying `atproto-proxy` send it), for
 * exactly the method called. Key rotation: an `#identity` event drops the cached document; on a bad
 * signature the verifier also re-resolves once (at most once a minute per DID, see AuthDidResolver).
 * Procedures (POST) change state, so their tokens are single-use: each must carry a `jti`,
 * remembered for the token's lifetime (`nonces`).
 */
export class ServiceAuth {
	readonly #audiences: (Did | AtprotoAudience)[];
	readonly #procedures: ServiceJwtVerifier;
	/** The router checks auth before input, the handler asks again: one verification per request. */
	readonly #verified = new WeakMap<Request, Promise<Did>>();
	/** Query tokens that verified, by method and token, until they expire. */
	readonly #reused = new IsolateCache<{ issuer: Did; exp: number; signingKey: string }>(REUSE_MS, 10_000);
	readonly #dids: DidDocumentResolver;

	constructor(config: Config, dids: DidDocumentResolver, nonces: ReplayStore) {
		this.#dids = dids;
		const did = config.serviceDid;
		this.#audiences = [did, `${did}#dreamreel`, `${did}#bsky_fg`];
		this.#procedures = new ServiceJwtVerifier({ acceptAudiences: this.#audiences, resolver: dids, replayStore: nonces });
	}

	/** The caller's DID; 401 with a named error and `WWW-Authenticate` otherwise. */
	requireViewer(request: Request, lxm: Nsid): Promise<Did> {
		let verified = this.#verified.get(request);
		if (!verified) {
			verified = this.#verify(request, lxm);
			this.#verified.set(request, verified);
		}
		return verified;
	}

	/** For methods that personalise when they can: no credentials is anonymous, bad ones are refused. */
	async optionalViewer(request: Request, lxm: Nsid): Promise<Did | undefined> {
		return request.headers.has('authorization') ? this.requireViewer(request, lxm) : undefined;
	}

	async #verify(request: Request, lxm: Nsid): Promise<Did> {
		const authorization = request.headers.get('authorization') ?? '';
		if (authorization.length > MAX_AUTHORIZATION_BYTES) throw refused('BadJwt', `the token is over ${MAX_AUTHORIZATION_BYTES} bytes`);
		// The verifier checks exp and nbf, not iat: a token minted for later is refused here, unsigned
		// claims being good enough to refuse on (never to accept).
		const claims = unsignedClaims(authorization);
		const iat = claims?.iat;
		if (iat !== undefined && iat > Date.now() / 1000 + IAT_SKEW_SECONDS) throw refused('JwtNotYetValid', 'the token was issued in the future');
		// A query's token may be presented again until it expires (clients reuse theirs): the same
		// bytes for the same method, signed by the key the issuer still has, verify the same way, so
		// the signature (the costly part) is checked once. A rotated key takes effect at once.
		const reusable = request.method === 'GET' && claims?.exp !== undefined;
		const key = `${lxm} ${authorization}`;
		const known = reusable ? this.#reused.get(key) : undefined;
		if (known && known.exp > Date.now() / 1000 && signingKey(await this.#dids.resolve(known.issuer).catch(() => undefined)) === known.signingKey) {
			return known.issuer;
		}
		if (request.method === 'POST') return checked(this.#procedures, request, lxm);
		// The document the signature is checked against (the verifier may fetch it afresh) is kept with the token.
		let document: DidDocument | undefined;
		const resolver: DidDocumentResolver = { resolve: async (did, options) => (document = await this.#dids.resolve(did, options)) };
		const issuer = await checked(new ServiceJwtVerifier({ acceptAudiences: this.#audiences, resolver }), request, lxm);
		const used = signingKey(document);
		if (reusable && used) this.#reused.set(key, { issuer, exp: claims!.exp!, signingKey: used });
		return issuer;
	}
}

async function checked(verifier: ServiceJwtVerifier, request: Request, lxm: Nsid): Promise<Did> {
	try {
		return (await verifier.verifyRequest(request, { lxm })).issuer;
	} catch (error) {
		throw error instanceof AuthRequiredError ? named(error) : error;
	}
}

/** A document's `#atproto` key; undefined when there is none to tell. */
const signingKey = (document: DidDocument | undefined) => (document ? getAtprotoVerificationMaterial(document)?.publicKeyMultibase : undefined);

/** The token's `iat` and `exp` as it claims them, unverified (numbers only). */
function unsignedClaims(authorization: string): { iat?: number; exp?: number } | undefined {
	const payload = authorization.split('.')[1];
	if (!payload) return undefined;
	try {
		const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: unknown; exp?: unknown } | null;
		const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
		return { iat: number(claims?.iat), exp: number(claims?.exp) };
	} catch {
		return undefined; // the verifier says what is wrong with it
	}
}

function refused(error: string, message: string): XRPCError {
	return new XRPCError({ status: 401, error, message, headers: { 'www-authenticate': `Bearer error="${error}"` } });
}

/** The verifier puts the precise reason in the challenge; clients read it from the body's `error`. */
function named(error: AuthRequiredError): XRPCError {
	const challenge = new Headers(error.headers).get('www-authenticate') ?? '';
	const reason = /error="([^"]+)"/.exec(challenge)?.[1] ?? 'AuthMissing';
	return new XRPCError({ status: 401, error: reason, message: error.message, headers: error.headers });
}
