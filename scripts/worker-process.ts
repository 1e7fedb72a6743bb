// Runs the real worker under `wrangler dev` (workerd, local D1/DO/R2) as a child process: for
// `npm start` and for the network tests, which kill and restart it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const wrangler = join(import.meta.dirname, '..', 'node_modules', '.bin', 'wrangler');

export interface WorkerProcess {
	url: string;
	/** Starts the ingester, as the cron does in production. */
	startIngesting(): Promise<void>;
	/** SIGKILL by default: the tests mean a crash, not a shutdown. */
	stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface WorkerOptions {
	port?: number;
	/** Where local D1, Durable Object and R2 state live; kept across restarts with the same path. */
	persistTo: string;
	vars?: Record<string, string>;
	quiet?: boolean;
}

export async function startWorker({ port = 8787, persistTo, vars = {}, quiet = false }: WorkerOptions): Promise<WorkerProcess> {
	// No metrics, and no fetch of Request.cf data from workers.cloudflare.com (fails offline, loudly; the fallback is fine locally).
	// No local trace store: wrangler dev's local observability writes every span and log (each D1 call
	// is a span) to a SQLite store on the worker's own workerd thread, which grows without bound and
	// cost 40 % of the floor request's CPU (bench/feeds). Production's runs outside the isolate. Opt in
	// with X_LOCAL_OBSERVABILITY=true.
	const env = {
		...process.env,
		WRANGLER_SEND_METRICS: 'false',
		CLOUDFLARE_CF_FETCH_ENABLED: 'false',
		X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? 'false',
	};
	// `--env dev`: wrangler.toml's defaults are production's; the local values live in [env.dev].
	const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--env', 'dev', '--persist-to', persistTo], { env, encoding: 'utf8' });
	if (migrate.status !== 0) throw new Error(`applying D1 migrations failed:\n${migrate.stdout}${migrate.stderr}`);
	const varArgs = Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`]);
	const child = spawn(
		wrangler,
		['dev', '--env', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo, '--test-scheduled', '--show-interactive-dev-session=false', ...varArgs],
		{ env, stdio: quiet ? 'ignore' : 'inherit', detached: true },
	);
	const url = `http://localhost:${port}`;
	await waitFor(`${url}/xrpc/_health`, child);
	return {
		url,
		async startIngesting() {
			const response = await fetch(`${url}/__scheduled`);
			if (!response.ok) throw new Error(`starting the ingester failed: ${response.status}`);
		},
		stop: (signal = 'SIGKILL') => stopGroup(child, signal),
	};
}

async function waitFor(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`the worker did not answer ${url} within ${timeoutMs} ms`);
}

/** wrangler runs workerd as a grandchild: signal the whole process group. */
async function stopGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
	if (child.exitCode !== null || child.pid === undefined) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	process.kill(-child.pid, signal);
	await exited;
}
