import type { DidDocument } from '@atcute/identity';
import type { DidDocumentResolver, ResolveDidDocumentOptions } from '@atcute/identity-resolver';
import type { Did } from '@atcute/lexicons/syntax';
import { IsolateCache } from '../isolate-cache.ts';

/** How long a resolved DID document is trusted before it is fetched again. */
export const DID_CACHE_TTL_MS = 60 * 60 * 1000;
/** In front of D1, each isolate keeps recent documents briefly: every authenticated request needs one. */
const memory = new IsolateCache<DidDocument>(60 * 1000, 5000);

/**
 * DID documents cached in D1, shared by every isolate, and for a minute in the isolate's memory.
 * `noCache` (asked for after a signature failure, when the key may have rotated) goes to the
 * source and refreshes both.
 */
export class CachedDidResolver implements DidDocumentResolver {
	constructor(
		private readonly db: D1Database,
		private readonly source: DidDocumentResolver,
		private readonly ttlMs = DID_CACHE_TTL_MS,
	) {}

	async resolve(did: Did, options?: ResolveDidDocumentOptions): Promise<DidDocument> {
		if (!options?.noCache) {
			const remembered = memory.get(did);
			if (remembered) return remembered;
			const cached = await this.db
				.prepare('SELECT document FROM did_cache WHERE did = ?1 AND fetched_at > ?2')
				.bind(did, Date.now() - this.ttlMs)
				.first<{ document: string }>();
			if (cached) return memory.set(did, JSON.parse(cached.document) as DidDocument);
		}
		const document = await this.source.resolve(did, options);
		await this.db
			.prepare('INSERT OR REPLACE INTO did_cache (did, document, fetched_at) VALUES (?1, ?2, ?3)')
			.bind(did, JSON.stringify(document), Date.now())
			.run();
		return memory.set(did, document);
	}
}
