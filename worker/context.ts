import { readConfig, type Config } from './config.ts';

/** The few objects every handler needs, built once per isolate and passed explicitly. */
export interface AppContext {
	config: Config;
	db: D1Database;
}

export function createContext(env: Env): AppContext {
	return { config: readConfig(env), db: env.DB };
}
