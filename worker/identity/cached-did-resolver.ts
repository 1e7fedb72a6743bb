import type { DidDocument } from '@atcute/identity';
import type { DidDocumentResolver, ResolveDidDocumentOptions } from '@atcute/identity-resolver';
import type { Did } from '@atcute/lexicons/syntax';
import { IsolateCache } from '../isolate-cache.ts';

/** Many DIDs at once: each one's document, or why it could not be had. */
export interface DidDocuments extends DidDocumentResolver {
	resolveMany(dids: Did[]): Promise<Map<Did, DidDocument | Error>>;
}

/** How long a resolved DID document is trusted before it is fetched again. */
export const DID_CACHE_TTL_MS = 60 * 60 * 1000;

/**
 * DID documents cached in D1, shared by every isolate; an `#identity` event deletes the row (apply.ts),
 * so a rotated key is refused from the next request on. `noCache` (asked for after a signature
 * failure, when the key may have rotated) goes to the source and refreshes the row.
 *
 * Stale if error: when the source fails (the PLC directory down), a row past its TTL stands in, for
 * that call only (neither remembered nor stored as fresh). No `#identity` event has dropped it, so the
 * identity has not changed since as far as the streams tell; without it, an outage would leave every
 * commit of that repo unverifiable.
 *
 * `remember` adds a minute's memory in front of D1, only for the one place that hears identity events
 * itself and so can `forget` at once: the Ingester, verifying commits. Request-serving isolates would
 * keep a rotated-out key for that minute, so they read D1 every time.
 */
export class CachedDidResolver implements DidDocuments {
	readonly #memory: IsolateCache<DidDocument> | undefined;

	constructor(
		private readonly db: D1Database,
		private readonly source: DidDocumentResolver,
		{ remember = false } = {},
	) {
		this.#memory = remember ? new IsolateCache(60 * 1000, 20_000) : undefined;
	}

	async resolve(did: Did, options?: ResolveDidDocumentOptions): Promise<DidDocument> {
		const found = options?.noCache ? await this.#fetch([did], options) : await this.resolveMany([did]);
		const document = found.get(did)!;
		if (document instanceof Error) throw document;
		return document;
	}

	/**
	 * A batch's worth in one D1 read and at most one write, however many DIDs: the Ingester verifies
	 * commits by hundreds of repos a second, and one round trip each was most of a batch's D1 calls.
	 */
	async resolveMany(dids: Did[]): Promise<Map<Did, DidDocument | Error>> {
		const found = new Map<Did, DidDocument | Error>();
		for (const did of dids) {
			const remembered = this.#memory?.get(did);
			if (remembered) found.set(did, remembered);
		}
		const unknown = dids.filter((did) => !found.has(did));
		if (unknown.length === 0) return found;
		const { results } = await this.db
			.prepare('SELECT did, document, fetched_at FROM did_cache WHERE did IN (SELECT value FROM json_each(?1))')
			.bind(JSON.stringify(unknown))
			.all<{ did: Did; document: string; fetched_at: number }>();
		const stale = new Map<Did, string>();
		for (const { did, document, fetched_at } of results) {
			if (fetched_at > Date.now() - DID_CACHE_TTL_MS) found.set(did, this.#remember(did, JSON.parse(document) as DidDocument));
			else stale.set(did, document);
		}
		const missing = unknown.filter((did) => !found.has(did));
		for (const [did, document] of await this.#fetch(missing)) {
			const standIn = document instanceof Error ? stale.get(did) : undefined;
			found.set(did, standIn ? (JSON.parse(standIn) as DidDocument) : document);
		}
		return found;
	}

	/** From the source, concurrently; what came is remembered and cached in one write. */
	async #fetch(dids: Did[], options?: ResolveDidDocumentOptions): Promise<Map<Did, DidDocument | Error>> {
		const found = new Map<Did, DidDocument | Error>();
		const fetched = await Promise.allSettled(dids.map((did) => this.source.resolve(did, options)));
		const rows: [Did, string, number][] = [];
		fetched.forEach((outcome, i) => {
			const did = dids[i]!;
			if (outcome.status === 'rejected') return void found.set(did, outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason)));
			found.set(did, this.#remember(did, outcome.value));
			rows.push([did, JSON.stringify(outcome.value), Date.now()]);
		});
		if (rows.length > 0) {
			await this.db
				.prepare('INSERT OR REPLACE INTO did_cache (did, document, fetched_at) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1)')
				.bind(JSON.stringify(rows))
				.run();
		}
		return found;
	}

	/** Drops the memory of a DID whose identity changed. */
	forget(did: string): void {
		this.#memory?.delete(did);
	}

	#remember(did: Did, document: DidDocument): DidDocument {
		return this.#memory ? this.#memory.set(did, document) : document;
	}
}
