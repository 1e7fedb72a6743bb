// Abuse as an attacker would try it against the real worker and a reference PDS: identities that
// cost nothing to mint, budgets shared by many accounts, and tokens reused or bent.
import type { AtpAgent } from '@atproto/api';
import { Secp256k1Keypair } from '@atproto/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, selfSignedIdentity, serviceToken, startStack, type Stack } from './harness.ts';

const GENERATE = 'video.dreamreel.generate';
let stack: Stack;
let keys = 0;
const key = () => `abuse-${Date.now()}-${++keys}`;

async function generate(authorization: string, body: Record<string, unknown> = {}) {
	const response = await fetch(`${stack.worker.url}/xrpc/${GENERATE}`, {
		method: 'POST',
		headers: { authorization, 'content-type': 'application/json' },
		body: JSON.stringify({ prompt: 'a paper boat in a storm', idempotencyKey: key(), ...body }),
	});
	return { status: response.status, headers: response.headers, body: (await response.json()) as { error?: string; message?: string; job?: { id: string } } };
}

const asAccount = async (agent: AtpAgent) => (await serviceToken(agent, stack.serviceDid, GENERATE)).authorization!;

beforeAll(async () => {
	// Local accounts live on `localhost`: its host budget is the one every account here shares.
	stack = await startStack({ pds: 3983, plc: 3982, worker: 8802 }, { JOB_HOST_DAILY_QUOTA: '3', JOB_MAX_ACTIVE: '5', DEMO_GENERATION_MS: '60000' });
});
afterAll(() => stack?.close());

describe('generation is for real accounts, within budgets', () => {
	it('refuses DIDs with no active repo on their PDS (403 AccountNotActive), however many are minted', async () => {
		for (let i = 0; i < 4; i++) {
			const sybil = await selfSignedIdentity(stack, await Secp256k1Keypair.create());
			for (let j = 0; j < 3; j++) {
				const result = await generate(`Bearer ${await sybil.sign(GENERATE)}`);
				expect(result.status).toBe(403);
				expect(result.body.error).toBe('AccountNotActive');
			}
		}
	});

	it('accepts an account with an active repo, and holds all accounts of one PDS host to its daily quota', async () => {
		const accounts = [await createAccount(stack.network.pdsUrl, 'dana'), await createAccount(stack.network.pdsUrl, 'eli')];
		expect((await generate(await asAccount(accounts[0]!))).status).toBe(200);
		expect((await generate(await asAccount(accounts[1]!))).status).toBe(200);
		expect((await generate(await asAccount(accounts[1]!))).status).toBe(200);
		const refused = await generate(await asAccount(accounts[0]!));
		expect(refused.status).toBe(429);
		expect(refused.body).toMatchObject({ error: 'QuotaExceeded', message: expect.stringContaining('localhost') });
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
	});
});

describe('service tokens from the reference PDS', () => {
	it('a generate token is single-use: replayed with another idempotency key it is refused (401 NonceNotUnique)', async () => {
		const fay = await createAccount(stack.network.pdsUrl, 'fay');
		const token = await asAccount(fay);
		// fay's host budget is spent by now: anything but 401 shows the token was accepted.
		expect((await generate(token)).status).not.toBe(401);
		const replayed = await generate(token);
		expect(replayed.status).toBe(401);
		expect(replayed.body.error).toBe('NonceNotUnique');
	});
});
