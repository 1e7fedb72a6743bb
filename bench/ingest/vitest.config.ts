import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { workerdCpuSeconds } from '../../scripts/processes.ts';

// The ingest benchmark (`npm run bench:ingest`): one "test" inside workerd, against the same
// wrangler.toml and D1 migrations as the unit tests. Options travel in as bindings.
const root = fileURLToPath(new URL('../..', import.meta.url));
const options = ['BENCH_EVENTS', 'BENCH_SEED', 'BENCH_AUTHORS', 'BENCH_DREAMREEL_USERS', 'BENCH_RUNS'];

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
				// workerd's CPU as well as wall time: contention from other processes inflates only the latter.
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
