// The whole local network for the browser tests: a reference PDS and PLC (dev-env), the seeded demo
// accounts, and the real worker serving the built web client. Run directly
// (`node test/e2e/stack.ts`) it stays up on the same ports for working on the client by hand, and
// `E2E_REUSE_STACK=1 npm run test:e2e` then runs the tests against it (the seed is idempotent).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevNetwork, type DevNetwork } from '../../scripts/dev-network.ts';
import { seed, type SeedResult } from '../../scripts/seed.ts';
import { startWorker, type WorkerProcess } from '../../scripts/worker-process.ts';

export const PORTS = { pds: 3583, plc: 3582, worker: 8798 } as const;

export interface E2eStack {
	network: DevNetwork;
	worker: WorkerProcess;
	demo: SeedResult;
	/** The web client's origin; also the worker's PUBLIC_URL. */
	appUrl: string;
	close(): Promise<void>;
}

/** `ports`: another file's own, so that two stacks never share one. */
export async function startE2eStack(ports: { pds: number; plc: number; worker: number } = PORTS): Promise<E2eStack> {
	if (process.env.E2E_REUSE_STACK && ports === PORTS) return reuseStack();
	const network = await startDevNetwork({ pdsPort: ports.pds, plcPort: ports.plc });
	const persistTo = await mkdtemp(join(tmpdir(), 'dreamreel-e2e-'));
	try {
		const demo = await seed(network.pdsUrl);
		const appUrl = `http://localhost:${ports.worker}`;
		const worker = await startWorker({
			port: ports.worker,
			persistTo,
			quiet: !process.env.DEBUG_WORKER,
			vars: {
				PUBLIC_URL: appUrl,
				FIREHOSE_URL: network.pdsUrl.replace(/^http/, 'ws'),
				PLC_URL: network.plcUrl,
				HANDLE_RESOLVER_URL: network.pdsUrl,
				GENERATION_PROVIDER: 'demo',
				// Long enough to watch the bar move, short enough for a test.
				DEMO_GENERATION_MS: '4000',
			},
		});
		await worker.startIngesting();
		return {
			network,
			worker,
			demo,
			appUrl,
			async close() {
				await worker.stop('SIGTERM');
				await network.close();
				await rm(persistTo, { recursive: true, force: true });
			},
		};
	} catch (error) {
		await network.close();
		await rm(persistTo, { recursive: true, force: true });
		throw error;
	}
}

/** The stack `node test/e2e/stack.ts` keeps up: reseeded (restoring what a run changed), never stopped. */
async function reuseStack(): Promise<E2eStack> {
	const pdsUrl = `http://localhost:${PORTS.pds}`;
	const network: DevNetwork = { pdsUrl, plcUrl: `http://localhost:${PORTS.plc}`, close: async () => {} };
	const appUrl = `http://localhost:${PORTS.worker}`;
	const worker: WorkerProcess = { url: appUrl, startIngesting: async () => {}, stop: async () => {} };
	return { network, worker, demo: await seed(pdsUrl), appUrl, close: async () => {} };
}

if (import.meta.main) {
	const stack = await startE2eStack();
	console.log(`web client ${stack.appUrl}/\nPDS ${stack.network.pdsUrl}\nPLC ${stack.network.plcUrl}\nCtrl-C to stop`);
	const stop = async () => {
		await stack.close();
		process.exit(0);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}
