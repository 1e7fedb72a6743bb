/**
 * Applies a Durable Object's numbered schema statements once each, in order, recording progress in
 * a table of its own (DO SQLite does not allow `PRAGMA user_version`). Append, never edit, statements.
 */
export function migrate(sql: SqlStorage, schema: readonly string[]): void {
	sql.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY)');
	const applied = sql.exec<{ v: number | null }>('SELECT MAX(version) AS v FROM migrations').one().v ?? 0;
	for (const [index, statement] of schema.entries()) {
		if (index < applied) continue;
		sql.exec(statement);
		sql.exec('INSERT INTO migrations (version) VALUES (?)', index + 1);
	}
}
