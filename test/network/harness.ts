// A whole local network per test file: the reference PDS and PLC (dev-env), and the real worker
// under wrangler dev following that PDS's firehose. Clients are @atproto/api, as any app would use.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtpAgent } from '@atproto/api';
import { Secp256k1Keypair, type Keypair } from '@atproto/crypto';
import { createServiceJwt } from '@atproto/xrpc-server';
import * as plc from '@did-plc/lib';
import { startDevNetwork, type StartedDevNetwork } from '../../scripts/dev-network.ts';
import { readSampleVideo } from '../../scripts/sample-video.ts';
import { startWorker, type WorkerProcess } from '../../scripts/worker-process.ts';

export interface Stack {
	network: StartedDevNetwork;
	worker: WorkerProcess;
	serviceDid: string;
	/** The worker's local state (D1, R2, Durable Objects), as wrangler keeps it on disk. */
	stateDir?: string;
	/** Kills the worker (SIGKILL: a crash) and starts it again on the same local state. */
	restartWorker(): Promise<void>;
	close(): Promise<void>;
}

export async function startStack(ports: { pds: number; plc: number; worker: number }, vars: Record<string, string> = {}): Promise<Stack> {
	const network = await startDevNetwork({ pdsPort: ports.pds, plcPort: ports.plc });
	const persistTo = await mkdtemp(join(tmpdir(), 'dreamreel-worker-'));
	const launch = async () => {
		const worker = await startWorker({
			port: ports.worker,
			persistTo,
			quiet: !process.env.DEBUG_WORKER,
			vars: {
				PUBLIC_URL: `http://localhost:${ports.worker}`,
				FIREHOSE_URL: network.pdsUrl.replace(/^http/, 'ws'),
				PLC_URL: network.plcUrl,
				HANDLE_RESOLVER_URL: network.pdsUrl,
				...vars,
			},
		});
		await worker.startIngesting();
		return worker;
	};
	const stack: Stack = {
		network,
		worker: await launch(),
		serviceDid: `did:web:localhost%3A${ports.worker}`,
		stateDir: persistTo,
		async restartWorker() {
			await stack.worker.stop('SIGKILL');
			stack.worker = await launch();
		},
		async close() {
			await stack.worker.stop('SIGTERM');
			await network.close();
			await rm(persistTo, { recursive: true, force: true });
		},
	};
	return stack;
}

export async function createAccount(pdsUrl: string, name: string): Promise<AtpAgent> {
	const agent = new AtpAgent({ service: pdsUrl });
	await agent.createAccount({ handle: `${name}.test`, email: `${name}@dreamreel.test`, password: 'test-password' });
	return agent;
}

export interface Posted {
	uri: string;
	cid: string;
}

/** Uploads a sample video and writes a clip (or, with `remixOf`, a remix) to the agent's own repo. */
export async function postClip(
	agent: AtpAgent,
	fields: Record<string, unknown> = {},
	remixOf?: { parent: Posted; root: Posted },
): Promise<Posted> {
	const { data: blob } = await agent.uploadBlob(await readSampleVideo('gradients'), { encoding: 'video/mp4' });
	const collection = remixOf ? 'video.dreamreel.remix' : 'video.dreamreel.clip';
	const { data } = await agent.com.atproto.repo.createRecord({
		repo: agent.assertDid,
		collection,
		record: {
			$type: collection,
			video: blob.blob,
			prompt: 'a lighthouse made of glass at dusk',
			generator: { provider: 'demo', model: 'demo-titlecard-1' },
			durationMs: 3000,
			aspectRatio: { width: 9, height: 16 },
			labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }] },
			createdAt: new Date().toISOString(),
			...(remixOf ?? {}),
			...fields,
		},
	});
	return { uri: data.uri, cid: data.cid };
}

/** A call through the user's own PDS, which mints the service JWT and forwards it (atproto-proxy). */
export async function viaPds<T = Record<string, unknown>>(
	stack: Pick<Stack, 'network' | 'serviceDid'>,
	agent: AtpAgent,
	nsid: string,
	body?: unknown,
	query = '',
): Promise<{ status: number; body: T }> {
	const response = await fetch(`${stack.network.pdsUrl}/xrpc/${nsid}${query}`, {
		method: body === undefined ? 'GET' : 'POST',
		headers: {
			authorization: `Bearer ${agent.session!.accessJwt}`,
			'atproto-proxy': `${stack.serviceDid}#dreamreel`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** A service-auth token minted by the user's own PDS, as any AT-Proto client would get one. */
export async function serviceToken(agent: AtpAgent, aud: string, lxm: string): Promise<Record<string, string>> {
	const { data } = await agent.com.atproto.server.getServiceAuth({ aud, lxm });
	return { authorization: `Bearer ${data.token}` };
}

export interface XrpcResult<T = Record<string, unknown>> {
	status: number;
	body: T;
	headers: Headers;
}

export async function xrpc<T = Record<string, unknown>>(
	base: string,
	nsid: string,
	params: Record<string, string | string[]> = {},
	headers: Record<string, string> = {},
): Promise<XrpcResult<T>> {
	const url = new URL(`/xrpc/${nsid}`, base);
	for (const [key, value] of Object.entries(params)) {
		for (const item of [value].flat()) url.searchParams.append(key, item);
	}
	const response = await fetch(url, { headers });
	return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

/** Polls until `check` stops throwing; ingestion is asynchronous. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await check();
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
}

/** An identity whose keys the test holds (a did:plc of its own), so it can sign what a PDS never would. */
export async function selfSignedIdentity(stack: Stack, signingKey: Keypair) {
	const rotationKey = await Secp256k1Keypair.create();
	const client = new plc.Client(stack.network.plcUrl);
	const did = await client.createDid({
		signingKey: signingKey.did(),
		handle: `self-${Date.now()}.test`,
		pds: stack.network.pdsUrl,
		rotationKeys: [rotationKey.did()],
		signer: rotationKey,
	});
	const sign = (lxm: string, keypair: Keypair = signingKey, claims: { iat?: number; exp?: number } = {}) =>
		createServiceJwt({ iss: did, aud: stack.serviceDid, lxm, keypair, ...claims });
	const rotateTo = (key: Keypair) => client.updateAtprotoKey(did, rotationKey, key.did());
	return { did, sign, rotateTo };
}
