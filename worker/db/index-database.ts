/**
 * The index (D1), as every part of the service reaches it: `indexDatabase(env)`, never `env.DB`
 * (eslint.config.js holds that line).
 *
 * Why not `env.DB` itself: SQLite compiles a statement again before a run when the planner looked at
 * the value of one of its parameters (a `LIMIT ?n`, an `x = ?n` it estimated) and that parameter is
 * bound anew; and workerd clears a cached statement's bindings before every run. Such a statement is
 * compiled on every call, in local D1 and in D1 alike. Our visibility rules make statements of 10–15 kB
 * whose compilation cost more than running them (a quarter of workerd's CPU under a trending-feed load).
 * Written `+?n`, a parameter has the same value but the planner treats it as unknown, so the compiled
 * statement is reused. Indexes are still used: `x = +?n` constrains `x` as `x = ?n` does.
 */
export function indexDatabase({ DB }: { DB: D1Database }): D1Database {
	let database = wrapped.get(DB);
	if (!database) wrapped.set(DB, (database = new PlanStableDatabase(DB)));
	return database;
}

const wrapped = new WeakMap<D1Database, D1Database>();

/** `sql` with each parameter (`?`, `?n`) outside quotes written as `+?n`; remembered per statement text. */
export function opaqueParameters(sql: string): string {
	let rewritten = rewrites.get(sql);
	if (rewritten === undefined) {
		rewritten = sql.replace(QUOTED_OR_PARAMETER, (match, quoted?: string, plus?: string, parameter?: string) => quoted ?? (plus ? match : `+${parameter}`));
		if (rewrites.size >= MAX_REWRITES) rewrites.clear();
		rewrites.set(sql, rewritten);
	}
	return rewritten;
}

/** A quoted run (string literal or quoted name, left as it is), or a parameter with the `+` it may already have. */
const QUOTED_OR_PARAMETER = /('(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\])|(\+\s*)?(\?\d*)/g;

/** Statements are module constants, so this stays small; dynamic SQL cannot grow it without bound. */
const MAX_REWRITES = 2000;
const rewrites = new Map<string, string>();

class PlanStableDatabase implements D1Database {
	readonly #db: D1Database;

	constructor(db: D1Database) {
		this.#db = db;
	}

	prepare(query: string): D1PreparedStatement {
		return this.#db.prepare(opaqueParameters(query));
	}

	batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
		return this.#db.batch<T>(statements);
	}

	exec(query: string): Promise<D1ExecResult> {
		return this.#db.exec(query);
	}

	withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession {
		const session = this.#db.withSession(constraintOrBookmark);
		return {
			prepare: (query: string) => session.prepare(opaqueParameters(query)),
			batch: (statements) => session.batch(statements),
			getBookmark: () => session.getBookmark(),
		};
	}

	dump(): Promise<ArrayBuffer> {
		return this.#db.dump();
	}
}
