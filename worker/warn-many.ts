/**
 * One warning for many failures of one kind, not one per failure: an outage or a hostile stream fails
 * items by the thousand, and locally each log line is a request to wrangler (a flood of them exhausted
 * workerd's open files). The first failure says what went wrong, the count how often.
 */
export function warnMany(what: string, failures: string[], keptIn?: string): void {
	if (failures.length > 0) warnCount(what, failures[0]!, failures.length, keptIn);
}

/**
 * Failures of a long run of work (a queue's drain, the stream), told as warnMany tells them: at most
 * every `everyMs`, and at the end. A line per batch was still 3 % of the stream's CPU locally.
 */
export class FailureLog {
	#first: string | undefined;
	#count = 0;
	#toldAt = Date.now();

	constructor(
		private readonly what: string,
		private readonly everyMs = 10_000,
		private readonly keptIn?: string,
	) {}

	add(...failures: string[]): void {
		if (failures.length === 0) return;
		this.#first ??= failures[0];
		this.#count += failures.length;
		if (Date.now() - this.#toldAt >= this.everyMs) this.flush();
	}

	flush(): void {
		if (this.#first !== undefined) warnCount(this.what, this.#first, this.#count, this.keptIn);
		this.#first = undefined;
		this.#count = 0;
		this.#toldAt = Date.now();
	}
}

function warnCount(what: string, first: string, count: number, keptIn?: string): void {
	const more = count > 1 ? ` (and ${count - 1} more${keptIn ? `, kept in ${keptIn}` : ''})` : '';
	console.warn(`${what}: ${first}${more}`);
}
