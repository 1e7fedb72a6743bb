/**
 * A table's own entry for a name that came from outside. Plain indexing would also find
 * `constructor`, `__proto__` or `toString` on Object.prototype; lint forbids `table[name as K]`
 * everywhere else (eslint.config.js) so every such lookup comes through here.
 */
export function own<T extends object>(table: T, name: string): T[keyof T] | undefined {
	// eslint-disable-next-line no-restricted-syntax -- the one checked lookup
	return Object.hasOwn(table, name) ? table[name as keyof T] : undefined;
}
