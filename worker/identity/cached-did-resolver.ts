import type { DidDocument } from '@atcute/identity';
import type { DidDocumentResolver, ResolveDidDocumentOptions } from '@atcute/identity-resolver';
import type { Did } from '@atcute/lexicons/syntax';
import { IsolateCache } from '../isolate-cache.ts';

/** How long a resolved DID document is trusted before it is fetched again. */
export const DID_CACHE_TTL_MS = 60 * 60 * 1000;

/**
 * DID documents cached in D1, shared by every isolate; an `#identity` event deletes the row (apply.ts),
 * so a rotated key is refused from the next request on. `noCache` (asked for after a signature
 * failure, when the key may have rotated) goes to the source and refreshes the row.
 *
 * `remember` adds a minute's memory in front of D1, only for the one place that hears identity events
 * itself and so can `forget` at once: the Ingester, verifying commits. Request-serving isolates would
 * keep a rotated-out key for that minute, so they read D1 every time.
 */
export class CachedDidResolver implements DidDocumentResolver {
	readonly #memory: IsolateCache<DidDocument> | undefined;

	constructor(
		private readonly db: D1Database,
		private readonly source: DidDocumentResolver,
		{ remember = false } = {},
	) {
		this.#memory = remember ? new IsolateCache(60 * 1000, 20_000) : undefined;
	}

	async resolve(did: Did, options?: ResolveDidDocumentOptions): Promise<DidDocument> {
		if (!options?.noCache) {
			const remembered = this.#memory?.get(did);
			if (remembered) return remembered;
			const cached = await this.db
				.prepare('SELECT document FROM did_cache WHERE did = ?1 AND fetched_at > ?2')
				.bind(did, Date.now() - DID_CACHE_TTL_MS)
				.first<{ document: string }>();
			if (cached) return this.#remember(did, JSON.parse(cached.document) as DidDocument);
		}
		const document = await this.source.resolve(did, options);
		await this.db
			.prepare('INSERT OR REPLACE INTO did_cache (did, document, fetched_at) VALUES (?1, ?2, ?3)')
			.bind(did, JSON.stringify(document), Date.now())
			.run();
		return this.#remember(did, document);
	}

	/** Drops the memory of a DID whose identity changed. */
	forget(did: string): void {
		this.#memory?.delete(did);
	}

	#remember(did: Did, document: DidDocument): DidDocument {
		return this.#memory ? this.#memory.set(did, document) : document;
	}
}
