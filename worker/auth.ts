import type { DidDocumentResolver } from '@atcute/identity-resolver';
import type { Did, Nsid } from '@atcute/lexicons';
import { AuthRequiredError, XRPCError } from '@atcute/xrpc-server';
import { ServiceJwtVerifier } from '@atcute/xrpc-server/auth';
import type { Config } from './config.ts';

/**
 * Inter-service JWTs (atproto service auth): signed by the caller's `#atproto` key, addressed to our
 * service DID (bare, or with a service fragment as PDSes proxying `atproto-proxy` send it), for
 * exactly the method called. Key rotation: on a bad signature the verifier re-resolves once.
 */
export class ServiceAuth {
	readonly #verifier: ServiceJwtVerifier;

	constructor(config: Config, dids: DidDocumentResolver) {
		const did = config.serviceDid;
		this.#verifier = new ServiceJwtVerifier({
			acceptAudiences: [did, `${did}#dreamreel`, `${did}#bsky_fg`],
			resolver: dids,
		});
	}

	/** The caller's DID; 401 with a named error and `WWW-Authenticate` otherwise. */
	async requireViewer(request: Request, lxm: Nsid): Promise<Did> {
		try {
			const { issuer } = await this.#verifier.verifyRequest(request, { lxm });
			return issuer;
		} catch (error) {
			throw error instanceof AuthRequiredError ? named(error) : error;
		}
	}

	/** For methods that personalise when they can: no credentials is anonymous, bad ones are refused. */
	async optionalViewer(request: Request, lxm: Nsid): Promise<Did | undefined> {
		return request.headers.has('authorization') ? this.requireViewer(request, lxm) : undefined;
	}
}

/** The verifier puts the precise reason in the challenge; clients read it from the body's `error`. */
function named(error: AuthRequiredError): XRPCError {
	const challenge = new Headers(error.headers).get('www-authenticate') ?? '';
	const reason = /error="([^"]+)"/.exec(challenge)?.[1] ?? 'AuthMissing';
	return new XRPCError({ status: 401, error: reason, message: error.message, headers: error.headers });
}
