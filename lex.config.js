import { defineLexiconConfig } from '@atcute/lex-cli';

// Generates typed schemas and runtime validators for our lexicons into worker/lexicons/ (git-ignored).
export default defineLexiconConfig({
	generate: {
		files: ['lexicons/**/*.json'],
		outdir: 'worker/lexicons/',
		imports: ['@atcute/atproto', '@atcute/bluesky'],
	},
});
