import { defineConfig } from 'vitest/config';

// The browser tier: a real Chromium against the whole local network (PDS, PLC, worker). Run by
// `npm run test:e2e` (from the repo root), which builds the web client first; not part of `npm test`.
export default defineConfig({
	test: {
		name: 'e2e',
		include: ['test/e2e/**/*.test.ts'],
		environment: 'node',
		fileParallelism: false,
		testTimeout: 90_000,
		hookTimeout: 180_000,
	},
});
