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
	{
		// `table[name as Key]` is how a string from a request gets into Object.prototype (`constructor`,
		// `__proto__`): look names up with own() (worker/own.ts), or use a Map.
		files: ['worker/**/*.ts', 'durable-objects/**/*.ts'],
		rules: {
			'no-restricted-syntax': [
				'error',
				{ selector: 'MemberExpression[computed=true] > TSAsExpression.property', message: 'look names up with own() (worker/own.ts) or a Map, not table[name as Key]' },
				{ selector: 'MemberExpression[computed=true] > TSTypeAssertion.property', message: 'look names up with own() (worker/own.ts) or a Map' },
				{ selector: 'MemberExpression[object.property.name="env"][property.name="DB"], MemberExpression[object.name="env"][property.name="DB"]', message: 'reach D1 through indexDatabase(env) (worker/db/index-database.ts), which keeps statements from being compiled on every run' },
			],
		},
	},
);
