import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The ingest benchmark (`npm run bench:ingest`): one "test" inside workerd, against the same
// wrangler.toml and D1 migrations as the unit tests. Options travel in as bindings.
const root = fileURLToPath(new URL('../..', import.meta.url));
const options = ['BENCH_EVENTS', 'BENCH_SEED', 'BENCH_AUTHORS', 'BENCH_DREAMREEL_USERS', 'BENCH_RUNS'];

/**
 * CPU seconds used so far by the workerd processes this vitest process started (Linux /proc;
 * null elsewhere). Contention from other processes inflates wall time, not CPU time, so the
 * benchmark reports both.
 */
function workerdCpuSeconds(): number | null {
	let ticks = 0;
	let found = false;
	try {
		for (const pid of readdirSync('/proc')) {
			if (!/^\d+$/.test(pid)) continue;
			let stat: string;
			try {
				stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			} catch {
				continue; // gone meanwhile
			}
			const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			// After "pid (comm) ": state ppid … utime (12th) stime (13th), in clock ticks of 1/100 s.
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (comm !== 'workerd' || Number(fields[1]) !== process.pid) continue;
			found = true;
			ticks += Number(fields[11]) + Number(fields[12]);
		}
	} catch {
		return null;
	}
	return found ? ticks / 100 : null;
}

export default defineConfig({
	root,
	plugins: [
		cloudflareTest({
			wrangler: { configPath: `${root}/wrangler.toml`, environment: 'dev' },
			miniflare: {
				bindings: {
					TEST_MIGRATIONS: await readD1Migrations(`${root}/worker/db/migrations`),
					...Object.fromEntries(options.map((name) => [name, process.env[name] ?? ''])),
				},
				serviceBindings: { BENCH_HOST: () => Response.json({ cpuSeconds: workerdCpuSeconds() }) },
			},
		}),
	],
	test: {
		name: 'bench-ingest',
		include: ['bench/ingest/ingest.worker.ts'],
		testTimeout: 30 * 60_000,
	},
});
