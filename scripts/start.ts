// `npm start`: the whole of Dreamreel on local defaults — the index schema, then the worker on :8787.
import { spawn, spawnSync } from 'node:child_process';

const WORKER_PORT = process.env.WORKER_PORT ?? '8787';

function run(command: string, args: string[]): void {
	const result = spawnSync(command, args, { stdio: 'inherit' });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
}

run('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local']);
const worker = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', WORKER_PORT], {
	stdio: 'inherit',
	env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
console.log(`\nDreamreel: open http://localhost:${WORKER_PORT}/\n`);
const stop = () => worker.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
worker.on('exit', (code) => process.exit(code ?? 0));
