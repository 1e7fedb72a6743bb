// `npm run deploy`: one command from a checkout to a running deployment on Cloudflare.
//
//   PUBLIC_URL=https://dreamreel.example npm run deploy
//   PUBLIC_URL=https://dreamreel.example npm run deploy -- --dry-run [--outdir dir]   (no account needed; CI)
//
// Checks the production config (the worker's own check: no local values), builds the web client,
// type-checks, walks the secrets (asks for the missing ones a chosen feature needs), applies the D1
// migrations and deploys. Resources without ids (D1, R2) are created by wrangler on the first deploy.
// Any var of wrangler.toml's [vars] may be given in the environment; it is passed on with --var.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { unstable_readConfig } from 'wrangler';
import { ConfigError, readConfig } from '../worker/config.ts';

/**
 * Workers' limit on the free plan is 3 MiB gzipped (10 MiB paid); we hold ourselves to 2 MiB, of which
 * libsecp256k1's WebAssembly (worker/ingest/secp256k1.ts) takes 1.1 MiB: its tables do not compress.
 */
const BUNDLE_TARGET = 2 * 1024 * 1024;
const BUNDLE_LIMIT = 3 * 1024 * 1024;

/** Vars a deployment may set from the environment beyond those in wrangler.toml. */
const EXTRA_VARS = ['FEED_PUBLISHER_DID', 'GENERATION_PROVIDER', 'FAL_MODEL', 'REPLICATE_MODEL', 'STREAM_ACCOUNT_ID', 'STREAM_CUSTOMER_CODE', 'STREAM_WATERMARK_UID'];

interface SecretSpec {
	name: string;
	/** Why a deployment wants it; `required(vars)` says when it cannot run without it. */
	purpose: string;
	required?: (vars: Record<string, string>) => boolean;
}

const SECRETS: SecretSpec[] = [
	{ name: 'STREAM_API_TOKEN', purpose: 'Cloudflare Stream (VIDEO_HOST = "stream"): API token with Stream Write', required: (v) => v.VIDEO_HOST === 'stream' },
	{ name: 'STREAM_WEBHOOK_SECRET', purpose: 'Cloudflare Stream: the secret of PUT /stream/webhook', required: (v) => v.VIDEO_HOST === 'stream' },
	{ name: 'FAL_KEY', purpose: 'fal.ai video generation', required: (v) => v.GENERATION_PROVIDER === 'fal' },
	{ name: 'REPLICATE_API_TOKEN', purpose: 'Replicate video generation', required: (v) => v.GENERATION_PROVIDER === 'replicate' },
	{ name: 'LIKENESS_KEY', purpose: "people's likenesses: 32 random bytes in base64 (openssl rand -base64 32); without it none are kept" },
	{ name: 'REPLICATE_WEBHOOK_SECRET', purpose: 'Replicate webhooks (whsec_…, from GET /v1/webhooks/default/secret); without it jobs only poll' },
	{ name: 'MODERATION_REPORTER_PASSWORD', purpose: 'the app password of MODERATION_REPORTER_DID, which files reports', required: (v) => !!v.MODERATION_SERVICE_DID },
	{ name: 'LABEL_SIGNING_KEY', purpose: 'a private multikey: this service signs its own ai-generated labels (README Moderation); without it it issues none' },
];

const root = join(import.meta.dirname, '..');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');

const { values: args } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false }, outdir: { type: 'string' } } });

function run(command: string, argv: string[], options: SpawnSyncOptions = {}): void {
	const result = spawnSync(command, argv, { cwd: root, stdio: 'inherit', ...options });
	if (result.status !== 0) fail(`${command.replace(`${root}/`, '')} ${argv.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

function capture(argv: string[]): { ok: boolean; out: string } {
	const result = spawnSync(wrangler, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
	return { ok: result.status === 0, out: result.stdout };
}

function fail(message: string): never {
	console.error(`\ndeploy: ${message}`);
	process.exit(1);
}

function step(message: string): void {
	console.log(`\n▸ ${message}`);
}

// 1. The config the deployment will run with: wrangler.toml's top level (production), then the environment.
const config = unstable_readConfig({ config: join(root, 'wrangler.toml'), env: '' }, {});
const vars: Record<string, string> = Object.fromEntries(Object.entries(config.vars).map(([k, v]) => [k, String(v)]));
const overrides: Record<string, string> = {};
for (const name of [...Object.keys(vars), ...EXTRA_VARS]) {
	const value = process.env[name];
	if (value !== undefined && value !== vars[name]) overrides[name] = vars[name] = value;
}
step('checking the production config');
const checked = (() => {
	try {
		return readConfig(vars);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		return fail(`${error.message}\nSet PUBLIC_URL to the https origin the deployment will answer on, e.g.\n  PUBLIC_URL=https://dreamreel.example npm run deploy\n(a custom domain, or https://dreamreel.<your-subdomain>.workers.dev).`);
	}
})();
const { serviceDid } = checked;
console.log(`PUBLIC_URL ${checked.publicUrl.origin} → service ${serviceDid}; firehose ${checked.firehoseUrl}`);
const varArgs = Object.entries(overrides).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
const publicHost = checked.publicUrl.host;
// A custom domain is attached by the deploy itself; *.workers.dev needs nothing.
const domainArgs = publicHost.endsWith('.workers.dev') ? [] : ['--domain', publicHost];

// 2. Build and type-check.
step('building the web client and type-checking');
run('npm', ['run', '--silent', 'build:web']);
run('npm', ['run', '--silent', 'typecheck']);

if (args['dry-run']) {
	step('bundling (wrangler deploy --dry-run)');
	const outdir = args.outdir ?? (await mkdtemp(join(tmpdir(), 'dreamreel-bundle-')));
	run(wrangler, ['deploy', '--env', '', '--dry-run', '--outdir', outdir, ...varArgs, ...domainArgs], { env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
	const size = await bundleSize(outdir);
	console.log(`\nbundle: ${kib(size.raw)} KiB, ${kib(size.gzip)} KiB gzipped (target ≤ ${kib(BUNDLE_TARGET)} KiB; Workers' free-plan limit ${kib(BUNDLE_LIMIT)} KiB)`);
	if (!args.outdir) await rm(outdir, { recursive: true, force: true });
	if (size.gzip > BUNDLE_LIMIT) fail('the bundle is over the Workers limit');
	if (size.gzip > BUNDLE_TARGET) console.warn('warning: the bundle is over its 2 MiB target');
	process.exit(0);
}

// 3. The account, the secrets, the migrations, the deploy.
step('checking the Cloudflare account');
if (/not authenticated/i.test(capture(['whoami']).out)) {
	if (!process.stdin.isTTY) fail('not signed in to Cloudflare: run `npx wrangler login`, or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID');
	run(wrangler, ['login']);
}

step('walking the secrets');
const listed = capture(['secret', 'list', '--env', '', '--format', 'json']);
const present = new Set<string>(listed.ok ? (JSON.parse(listed.out) as { name: string }[]).map((secret) => secret.name) : []);
const upload: Record<string, string> = {};
for (const secret of SECRETS) {
	const required = secret.required?.(vars) ?? false;
	const fromEnv = process.env[secret.name];
	if (fromEnv) {
		upload[secret.name] = fromEnv;
		console.log(`  ${secret.name}: from the environment`);
	} else if (present.has(secret.name)) {
		console.log(`  ${secret.name}: set`);
	} else if (required) {
		if (!process.stdin.isTTY) fail(`${secret.name} is required (${secret.purpose}): set it in the environment or run interactively`);
		const answer = (await askHidden(`  ${secret.name} (${secret.purpose}), required: `)).trim();
		if (!answer) fail(`${secret.name} is required`);
		upload[secret.name] = answer;
	} else {
		console.log(`  ${secret.name}: not set (optional: ${secret.purpose})`);
	}
}

// Migrations go before the code that needs them; on the first deploy the database does not exist
// until the deploy creates it, so they follow it then.
const databaseName = config.d1_databases[0]?.database_name ?? 'dreamreel-index';
const databases = capture(['d1', 'list', '--json']);
const databaseExists = databases.ok && (JSON.parse(databases.out) as { name: string }[]).some((db) => db.name === databaseName);
const migrate = () => {
	step('applying D1 migrations');
	run(wrangler, ['d1', 'migrations', 'apply', 'DB', '--remote', '--env', '']);
};
if (databaseExists) migrate();

step('deploying');
const secretsDir = await mkdtemp(join(tmpdir(), 'dreamreel-secrets-'));
const secretsFile = join(secretsDir, 'secrets.json');
try {
	const secretArgs = Object.keys(upload).length > 0 ? ['--secrets-file', secretsFile] : [];
	await writeFile(secretsFile, JSON.stringify(upload), { mode: 0o600 });
	run(wrangler, ['deploy', '--env', '', ...varArgs, ...domainArgs, ...secretArgs]);
} finally {
	await rm(secretsDir, { recursive: true, force: true });
}
if (!databaseExists) migrate();

console.log(`
Deployed: ${checked.publicUrl.origin} (service ${serviceDid}).
Next, once per deployment: publish the feed-generator and lexicon records from the publisher account
(scripts/publish-feeds.ts), set FEED_PUBLISHER_DID, and add the DNS TXT record it prints.`);

/** Reads a line without echoing it: secrets stay off the screen and out of terminal scrollback. */
async function askHidden(question: string): Promise<string> {
	process.stdout.write(question);
	const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
	const reader = createInterface({ input: process.stdin, output: muted, terminal: true });
	try {
		return await reader.question('');
	} finally {
		reader.close();
		process.stdout.write('\n');
	}
}

async function bundleSize(dir: string): Promise<{ raw: number; gzip: number }> {
	let raw = 0;
	let gzip = 0;
	for (const entry of await readdir(dir, { recursive: true })) {
		const path = join(dir, entry);
		if (!(await stat(path)).isFile() || path.endsWith('.map')) continue;
		const bytes = await readFile(path);
		raw += bytes.length;
		gzip += gzipSync(bytes, { level: 9 }).length;
	}
	return { raw, gzip };
}

function kib(bytes: number): string {
	return (bytes / 1024).toFixed(1);
}
