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
						wrangler: { configPath: './wrangler.toml' },
						miniflare: { bindings: { TEST_MIGRATIONS: await readD1Migrations('./worker/db/migrations') } },
					}),
				],
				test: { name: 'workers', include: ['test/unit/**/*.test.ts'], setupFiles: ['test/unit/setup.ts'] },
			},
		],
	},
});
