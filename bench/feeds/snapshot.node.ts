// The benchmarks run a snapshot of the worker taken when they start. `wrangler dev` rebuilds and
// reloads the worker whenever a source file changes, which resets every Durable Object (the
// Ingester drops its socket until its next heartbeat); an edit made while a benchmark runs would
// show up as seconds-long stalls in its figures. The snapshot is the same code, frozen.
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
/** What `wrangler dev` builds and serves: the config, the worker, its objects, the web assets. */
const PARTS = ['wrangler.toml', 'package.json', 'tsconfig.json', 'worker', 'durable-objects', 'web', 'lexicons'];

export interface Snapshot {
	dir: string;
	/** Back to the original working directory; deletes the copy. */
	release(): Promise<void>;
}

/**
 * Copies the worker's sources to a temporary directory (node_modules linked, not copied) and makes
 * it the working directory, so `wrangler` (run by scripts/worker-process.ts and `wrangler d1`) uses it.
 */
export async function snapshotWorker(): Promise<Snapshot> {
	const dir = await mkdtemp(join(tmpdir(), 'dreamreel-bench-src-'));
	for (const part of PARTS) await cp(join(root, part), join(dir, part), { recursive: true, force: true, errorOnExist: false }).catch(ignoreMissing);
	await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
	const previous = process.cwd();
	process.chdir(dir);
	return {
		dir,
		async release() {
			process.chdir(previous);
			await rm(dir, { recursive: true, force: true });
		},
	};
}

function ignoreMissing(error: unknown): void {
	if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
