// The local "real network": a reference PDS and an in-memory PLC directory from @atproto/dev-env.
// Run directly (`node scripts/dev-network.ts`) it also seeds the demo accounts and stays up until
// Ctrl-C; `npm start` and the network tests import `startDevNetwork` instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNetworkNoAppView, type TestPds } from '@atproto/dev-env';
import { seed } from './seed.ts';

/** The AppView's service DID; the PDS proxies `atproto-proxy: ${SERVICE_DID}#dreamreel` to it. */
export const SERVICE_DID = 'did:web:localhost%3A8787';

export interface DevNetwork {
	pdsUrl: string;
	plcUrl: string;
	close(): Promise<void>;
}

/** A network this process started: the reference PDS itself too, for tests acting as its operator (its keys). */
export type StartedDevNetwork = DevNetwork & { pds: TestPds };

export async function startDevNetwork(opts: { pdsPort?: number; plcPort?: number } = {}): Promise<StartedDevNetwork> {
	const pdsPort = opts.pdsPort ?? envPort('PDS_PORT', 2583);
	const plcPort = opts.plcPort ?? envPort('PLC_PORT', 2582);
	// dev-env would scatter the PDS's SQLite files and blobs over two random tmp dirs it never
	// removes; one dir of our own is deleted on close.
	const dataDirectory = await mkdtemp(join(tmpdir(), 'dreamreel-pds-'));
	const network = await TestNetworkNoAppView.create({
		plc: { port: plcPort },
		pds: {
			port: pdsPort,
			dataDirectory,
			blobstoreDiskLocation: join(dataDirectory, 'blobs'),
			// Clips may be up to 100 MB (the lexicon's maxSize is 100,000,000); the PDS default is 5 MiB.
			blobUploadLimit: 100 * 1024 * 1024,
			// dev-env sets both already; they are spelled out because the AppView depends on them.
			// With SSRF protection off the PDS may fetch http:// on a custom port, so it resolves
			// did:web:localhost%3A8787 at http://localhost:8787/.well-known/did.json and its proxy
			// agent may call http://localhost:8787 (by default: https only, no private addresses).
			devMode: true,
			disableSsrfProtection: true,
		},
	});
	return {
		pdsUrl: network.pds.url,
		pds: network.pds,
		plcUrl: network.plc.url,
		async close() {
			await network.close();
			await rm(dataDirectory, { recursive: true, force: true });
		},
	};
}

function envPort(name: string, fallback: number): number {
	const value = process.env[name];
	if (!value) return fallback;
	const port = Number(value);
	if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${name} is not a port: ${value}`);
	return port;
}

if (import.meta.main) {
	const network = await startDevNetwork();
	const result = await seed(network.pdsUrl);
	console.log(`PDS  ${network.pdsUrl}\nPLC  ${network.plcUrl}`);
	for (const [name, { did, handle }] of Object.entries(result.accounts)) {
		console.log(`${name.padEnd(5)} ${handle.padEnd(11)} ${did}`);
	}
	console.log(`${Object.keys(result.clips).length} clips seeded; Ctrl-C to stop`);
	const stop = async () => {
		await network.close();
		process.exit(0);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}
