import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['node_modules/', '.wrangler/', 'worker/lexicons/', 'worker/env.d.ts', 'test/e2e/screenshots/', 'web/build/'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	// The install-time scripts are plain JavaScript for Node (they must run before TypeScript can).
	{ files: ['scripts/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
	{
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
);
