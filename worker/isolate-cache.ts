/**
 * A bounded memo for one isolate, with expiry: for facts where a minute of staleness is worth
 * sparing a D1 round trip on every request. Past `max` entries it starts over rather than track age.
 */
export class IsolateCache<V> {
	readonly #entries = new Map<string, { value: V; until: number }>();

	constructor(
		private readonly ttlMs: number,
		private readonly max: number,
	) {}

	get(key: string, now = Date.now()): V | undefined {
		const entry = this.#entries.get(key);
		return entry && entry.until > now ? entry.value : undefined;
	}

	delete(key: string): void {
		this.#entries.delete(key);
	}

	set(key: string, value: V, now = Date.now()): V {
		if (this.#entries.size >= this.max) this.#entries.clear();
		this.#entries.set(key, { value, until: now + this.ttlMs });
		return value;
	}
}
