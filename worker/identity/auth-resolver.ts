import type { DidDocument } from '@atcute/identity';
import type { DidDocumentResolver, ResolveDidDocumentOptions } from '@atcute/identity-resolver';
import type { Did } from '@atcute/lexicons/syntax';
import { IsolateCache } from '../isolate-cache.ts';

/** How often a token's issuer may make us fetch their DID document again. */
export const DID_REFRESH_INTERVAL_MS = 60 * 1000;

/**
 * The DID resolver service auth uses. Every bad signature asks for a fresh document (the key may
 * have rotated), so anyone holding a DID's name can ask: the first such refresh goes to the source
 * at once (a real rotation is followed at once), more within the interval are served the cache.
 * A DID that could not be resolved is not tried again within the interval either. Other callers
 * (the ingester following identity events) use the cached resolver directly, unlimited.
 */
export class AuthDidResolver implements DidDocumentResolver {
	readonly #refreshed = new IsolateCache<true>(DID_REFRESH_INTERVAL_MS, 5000);
	readonly #failed = new IsolateCache<Error>(DID_REFRESH_INTERVAL_MS, 5000);

	constructor(private readonly inner: DidDocumentResolver) {}

	async resolve(did: Did, options?: ResolveDidDocumentOptions): Promise<DidDocument> {
		const failure = this.#failed.get(did);
		if (failure) throw failure;
		let refresh = options?.noCache === true;
		if (refresh) {
			if (this.#refreshed.get(did)) refresh = false;
			else this.#refreshed.set(did, true);
		}
		try {
			return await this.inner.resolve(did, { ...options, noCache: refresh });
		} catch (error) {
			this.#failed.set(did, error instanceof Error ? error : new Error(String(error)));
			throw error;
		}
	}
}
