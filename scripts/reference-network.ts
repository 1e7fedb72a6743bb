// The whole reference network, for a test file or `npm start -- --moderation`: @atproto/dev-env's
// TestNetwork (PLC, PDS, the Bluesky AppView, Ozone, bsync) on a throwaway Postgres and Redis of its own. Postgres and Redis are
// the system's (Debian: `apt-get install postgresql redis-server`); each run gets a fresh data
// directory, its own ports and a socket directory no other run shares, and removes them on close.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNetwork } from '@atproto/dev-env';

export interface ReferenceNetwork {
	network: TestNetwork;
	close(): Promise<void>;
}

/** The vars that point a worker on `port` at this network (its PDS's firehose, its PLC), as the tests' stacks do. */
export function followingVars(reference: ReferenceNetwork, port: number): Record<string, string> {
	const pdsUrl = reference.network.pds.url;
	return {
		PUBLIC_URL: `http://localhost:${port}`,
		FIREHOSE_URL: pdsUrl.replace(/^http/, 'ws'),
		PLC_URL: reference.network.plc.url,
		HANDLE_RESOLVER_URL: pdsUrl,
	};
}

/** Postgres's and Redis's binaries, or why the reference AppView cannot run here. */
export function findServers(): { postgresBin: string; redisServer: string } | { missing: string } {
	const postgresBin =
		process.env.PG_BINDIR ??
		['/usr/lib/postgresql'].flatMap((root) => (existsSync(root) ? readdirSync(root).sort().reverse().map((version) => join(root, version, 'bin')) : [])).find((dir) => existsSync(join(dir, 'initdb'))) ??
		which('initdb')?.replace(/\/initdb$/, '');
	const redisServer = which('redis-server');
	if (!postgresBin) return { missing: 'Postgres (apt-get install postgresql; or set PG_BINDIR)' };
	if (!redisServer) return { missing: 'Redis (apt-get install redis-server)' };
	return { postgresBin, redisServer };
}

export async function startReferenceNetwork(ports: { plc: number; pds: number; bsky: number; ozone: number; postgres: number; redis: number }): Promise<ReferenceNetwork> {
	const servers = findServers();
	if ('missing' in servers) throw new Error(`the reference AppView needs ${servers.missing}`);
	const cleanups: (() => Promise<void>)[] = [];
	const close = async () => {
		for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
	};
	try {
		const postgresUrl = await startPostgres(servers.postgresBin, ports.postgres, cleanups);
		await startRedis(servers.redisServer, ports.redis, cleanups);
		// dev-env reads the Redis host from the environment only.
		process.env.REDIS_HOST = `127.0.0.1:${ports.redis}`;
		const network = await TestNetwork.create({
			dbPostgresUrl: postgresUrl,
			// bsync refuses digits in the schema name.
			dbPostgresSchema: 'dreamreel',
			plc: { port: ports.plc },
			pds: { port: ports.pds },
			bsky: { port: ports.bsky },
			ozone: { port: ports.ozone },
		});
		cleanups.push(() => network.close());
		return { network, close };
	} catch (error) {
		await close();
		throw error;
	}
}

async function startPostgres(bin: string, port: number, cleanups: (() => Promise<void>)[]): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'dreamreel-pg-'));
	cleanups.push(() => rm(dir, { recursive: true, force: true }));
	// Postgres will not run as root: as root, run it as the `postgres` user the Debian package creates.
	const user = process.getuid?.() === 0 ? userIds('postgres') : {};
	if (user.uid !== undefined && user.gid !== undefined) await chown(dir, user.uid, user.gid);
	const data = join(dir, 'data');
	const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'dreamreel', '--auth=trust', '--no-locale', '-E', 'UTF8'], { encoding: 'utf8', cwd: dir, ...user });
	if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
	const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'].flatMap((setting) => ['-c', setting]);
	const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, ...settings], { stdio: 'ignore', cwd: dir, ...user });
	cleanups.push(() => stop(server));
	await listening(port, server, 'postgres');
	return `postgresql://dreamreel@127.0.0.1:${port}/postgres`;
}

async function startRedis(redisServer: string, port: number, cleanups: (() => Promise<void>)[]): Promise<void> {
	const server = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
	cleanups.push(() => stop(server));
	await listening(port, server, 'redis-server');
}

async function listening(port: number, child: ChildProcess, name: string, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
		const open = await new Promise<boolean>((resolve) => {
			const socket = connect(port, '127.0.0.1', () => {
				socket.end();
				resolve(true);
			}).on('error', () => resolve(false));
		});
		if (open) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms`);
}

async function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGINT');
	await exited;
}

function which(command: string): string | undefined {
	const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
	return found.status === 0 ? found.stdout.trim() : undefined;
}

function userIds(name: string): { uid?: number; gid?: number } {
	const ids = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
	return { uid: ids('-u'), gid: ids('-g') };
}
