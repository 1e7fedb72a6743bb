/**
 * One warning for many failures of one kind, not one per failure: an outage or a hostile stream fails
 * items by the thousand, and locally each log line is a request to wrangler (a flood of them exhausted
 * workerd's open files). The first failure says what went wrong, the count how often.
 */
export function warnMany(what: string, failures: string[], keptIn?: string): void {
	if (failures.length === 0) return;
	const more = failures.length > 1 ? ` (and ${failures.length - 1} more${keptIn ? `, kept in ${keptIn}` : ''})` : '';
	console.warn(`${what}: ${failures[0]}${more}`);
}
