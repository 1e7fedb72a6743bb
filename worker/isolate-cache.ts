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

/** How long a reload may take before another request presumes it abandoned and makes its own. */
const RELOAD_DEADLINE_MS = 10_000;

/**
 * Values loaded by one request and shared with this isolate's next ones for `ttlMs` (the ranking
 * pools). No request ever awaits a load another one started: workerd settles a promise only in
 * the request that made it, so when that request ends first (its client went away), the load fails, or
 * never settles, for everyone else. So while one request reloads an expired value the others keep the
 * previous one; with none yet, each loads its own. A failed load is not kept.
 */
export class SharedLoads<V> {
	readonly #held = new Map<string, { value: V; until: number }>();
	/** When the reload under way of each key started. */
	readonly #reloading = new Map<string, number>();

	constructor(
		private readonly ttlMs: number,
		private readonly max: number,
	) {}

	async get(key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
		const held = this.#held.get(key);
		if (held && held.until > now) return held.value;
		const since = this.#reloading.get(key);
		if (held && since !== undefined && now - since < RELOAD_DEADLINE_MS) return held.value;
		if (this.#reloading.size >= this.max) this.#reloading.clear();
		this.#reloading.set(key, now);
		try {
			const value = await load();
			if (this.#held.size >= this.max) this.#held.clear();
			this.#held.set(key, { value, until: now + this.ttlMs });
			return value;
		} finally {
			if (this.#reloading.get(key) === now) this.#reloading.delete(key);
		}
	}
}
