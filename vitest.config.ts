import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two tiers: `workers` runs inside workerd with isolated storage per test; `network` drives the
// real worker (wrangler) against a real reference PDS from Node.
export default defineConfig({
	test: {
		projects: [
			{
				plugins: [
					cloudflareTest({
						// [env.dev]: the local values; the top level is production's.
						wrangler: { configPath: './wrangler.toml', environment: 'dev' },
						miniflare: {
							bindings: {
								TEST_MIGRATIONS: await readD1Migrations('./worker/db/migrations'),
								// The Stream fake's secret, so that its signed webhooks reach the route (the host stays R2).
								STREAM_WEBHOOK_SECRET: 'stream-webhook-secret',
								// An address the rate limit does not count (test/unit/security/public-reads.test.ts).
								RATE_LIMIT_EXEMPT: '198.51.100.7',
							},
						},
					}),
				],
				test: { name: 'workers', include: ['test/unit/**/*.test.ts'], setupFiles: ['test/unit/setup.ts'] },
			},
			{
				// Plain Node: what needs neither workerd nor a network (real SQLite, as WebAssembly).
				test: { name: 'node', include: ['test/node/**/*.test.ts'], environment: 'node' },
			},
			{
				test: {
					name: 'network',
					include: ['test/network/**/*.test.ts'],
					environment: 'node',
					// Each file brings up its own PDS, PLC and worker on its own ports; one at a time fits 2 cores.
					fileParallelism: false,
					testTimeout: 60_000,
					hookTimeout: 180_000,
				},
			},
		],
	},
});
