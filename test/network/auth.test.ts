import type { AtpAgent } from '@atproto/api';
import { P256Keypair, Secp256k1Keypair } from '@atproto/crypto';
import { createServiceJwt } from '@atproto/xrpc-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as plc from '@did-plc/lib';
import { createAccount, eventually, selfSignedIdentity, startStack, xrpc, type Stack } from './harness.ts';

const LXM = 'video.dreamreel.getTimeline';
let stack: Stack;
let alice: AtpAgent;

const timeline = (token?: string) =>
	xrpc<{ error?: string; clips?: unknown[] }>(stack.worker.url, LXM, {}, token ? { authorization: `Bearer ${token}` } : {});

const pdsToken = async (params: { aud?: string; lxm?: string } = {}) =>
	(await alice.com.atproto.server.getServiceAuth({ aud: params.aud ?? stack.serviceDid, lxm: params.lxm ?? LXM })).data.token;

const now = () => Math.floor(Date.now() / 1000);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function expectRefused(result: Awaited<ReturnType<typeof timeline>>, error: string) {
	expect(result.status).toBe(401);
	expect(result.body.error).toBe(error);
	expect(result.headers.get('www-authenticate')).toMatch(/^Bearer/);
}

beforeAll(async () => {
	stack = await startStack({ pds: 2783, plc: 2782, worker: 8789 });
	alice = await createAccount(stack.network.pdsUrl, 'alice');
});
afterAll(() => stack?.close());

describe('service auth with tokens from the reference PDS', () => {
	it('accepts a valid token', async () => {
		const result = await timeline(await pdsToken());
		expect(result.status).toBe(200);
		expect(result.body.clips).toEqual([]);
	});

	it('accepts a call proxied by the user’s PDS (atproto-proxy)', async () => {
		const response = await fetch(`${stack.network.pdsUrl}/xrpc/${LXM}`, {
			headers: { authorization: `Bearer ${alice.session!.accessJwt}`, 'atproto-proxy': `${stack.serviceDid}#dreamreel` },
		});
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ clips: [] });
	});

	it('refuses a request without credentials: AuthMissing', async () => {
		expectRefused(await timeline(), 'AuthMissing');
	});

	it('refuses a tampered signature: BadJwtSignature', async () => {
		const token = await pdsToken();
		const [header, payload, signature] = token.split('.');
		const flipped = signature!.startsWith('A') ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`;
		expectRefused(await timeline(`${header}.${payload}.${flipped}`), 'BadJwtSignature');
	});

	it('refuses a token for another service: InvalidAudience', async () => {
		expectRefused(await timeline(await pdsToken({ aud: 'did:web:elsewhere.example' })), 'InvalidAudience');
	});

	it('refuses a token for another method: BadJwtLexiconMethod', async () => {
		expectRefused(await timeline(await pdsToken({ lxm: 'video.dreamreel.getForYou' })), 'BadJwtLexiconMethod');
	});

	it('refuses alg none and HS256', async () => {
		const token = await pdsToken();
		const [, payload] = token.split('.');
		expect((await timeline(`${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`)).status).toBe(401);
		const hs = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${payload}`;
		const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('secret'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
		const mac = Buffer.from(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(hs))).toString('base64url');
		expect((await timeline(`${hs}.${mac}`)).status).toBe(401);
	});
});

describe('service auth with self-held keys', () => {
	it('accepts ES256K and ES256 signing keys', async () => {
		for (const key of [await Secp256k1Keypair.create(), await P256Keypair.create()]) {
			const identity = await selfSignedIdentity(stack, key);
			expect((await timeline(await identity.sign(LXM))).status).toBe(200);
		}
	});

	it('refuses an expired token: JwtExpired', async () => {
		const identity = await selfSignedIdentity(stack, await Secp256k1Keypair.create());
		expectRefused(await timeline(await identity.sign(LXM, undefined, { iat: now() - 120, exp: now() - 60 })), 'JwtExpired');
	});

	it('refuses an issuer nobody can resolve', async () => {
		const token = await createServiceJwt({
			iss: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
			aud: stack.serviceDid,
			lxm: LXM,
			keypair: await Secp256k1Keypair.create(),
		});
		const result = await timeline(token);
		expect(result.status).toBe(401);
	});

	it('follows a key rotation: the new key is accepted at once, the old one refused', async () => {
		const oldKey = await Secp256k1Keypair.create();
		const identity = await selfSignedIdentity(stack, oldKey);
		expect((await timeline(await identity.sign(LXM))).status).toBe(200); // the document is now cached
		const newKey = await Secp256k1Keypair.create();
		await identity.rotateTo(newKey);
		expect((await timeline(await identity.sign(LXM, newKey))).status).toBe(200);
		expectRefused(await timeline(await identity.sign(LXM, oldKey)), 'BadJwtSignature');
	});
});

describe('a query token presented again (verified once, then remembered)', () => {
	it('is refused for another method, and once its issuer’s key has rotated', async () => {
		const oldKey = await Secp256k1Keypair.create();
		const identity = await selfSignedIdentity(stack, oldKey);
		const token = await identity.sign(LXM);
		expect((await timeline(token)).status).toBe(200);
		expect((await timeline(token)).status).toBe(200);
		const forYou = await xrpc<{ error?: string }>(stack.worker.url, 'video.dreamreel.getForYou', {}, { authorization: `Bearer ${token}` });
		expect([forYou.status, forYou.body.error]).toEqual([401, 'BadJwtLexiconMethod']);
		const newKey = await Secp256k1Keypair.create();
		await identity.rotateTo(newKey);
		// The first token signed by the new key makes the worker read the rotated document.
		expect((await timeline(await identity.sign(LXM, newKey))).status).toBe(200);
		expectRefused(await timeline(token), 'BadJwtSignature');
	});

	it('is refused once it has expired', { timeout: 15_000 }, async () => {
		const identity = await selfSignedIdentity(stack, await Secp256k1Keypair.create());
		const token = await identity.sign(LXM, undefined, { iat: now(), exp: now() + 1 });
		expect((await timeline(token)).status).toBe(200);
		// Past `exp` and the verifier's 5 s of clock leeway.
		await new Promise((resolve) => setTimeout(resolve, 7000));
		expectRefused(await timeline(token), 'JwtExpired');
	});
});

describe('an account’s key rotated on its PDS', () => {
	it('the old key is refused from the first request after the PDS announces it (#identity), before the new key is ever used', async () => {
		const bob = await createAccount(stack.network.pdsUrl, 'bob-rotates');
		const did = bob.session!.did;
		const oldKey = await stack.network.pds.ctx.actorStore.keypair(did);
		const sign = (keypair: Secp256k1Keypair | typeof oldKey) => createServiceJwt({ iss: did, aud: stack.serviceDid, lxm: LXM, keypair });
		expect((await timeline(await sign(oldKey))).status).toBe(200); // its document is now cached

		const newKey = await Secp256k1Keypair.create();
		await new plc.Client(stack.network.plcUrl).updateAtprotoKey(did, stack.network.pds.ctx.plcRotationKey, newKey.did());
		const cursor = async () => (await xrpc<{ ingest: { cursor: number | null } }>(stack.worker.url, '_health')).body.ingest.cursor ?? 0;
		const before = await cursor();
		await bob.com.atproto.identity.updateHandle({ handle: 'bob-rotated.test' }); // the PDS emits #identity
		await eventually(async () => expect(await cursor()).toBeGreaterThan(before));

		expectRefused(await timeline(await sign(oldKey)), 'BadJwtSignature');
		expect((await timeline(await sign(newKey))).status).toBe(200);
	});
});
