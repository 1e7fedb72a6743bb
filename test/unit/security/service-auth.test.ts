// Service tokens bent as an attacker holding a real key (or none) would bend them, against the
// whole worker in workerd: the account's DID document sits in the worker's DID cache.
import { env, exports } from 'cloudflare:workers';
import type { DidDocumentResolver } from '@atcute/identity-resolver';
import type { Did } from '@atcute/lexicons';
import { describe, expect, it } from 'vitest';
import { AuthDidResolver } from '../../../worker/identity/auth-resolver.ts';
import { CachedDidResolver } from '../../../worker/identity/cached-did-resolver.ts';
import { newDid } from '../index-fixtures.ts';
import { signedAccount } from '../service-jwt.ts';

const TIMELINE = 'video.dreamreel.getTimeline';
const CANCEL = 'video.dreamreel.cancelJob';
const GENERATE = 'video.dreamreel.generate';
const now = () => Math.floor(Date.now() / 1000);

const get = (nsid: string, token?: string, query = '') =>
	exports.default.fetch(`http://localhost:8787/xrpc/${nsid}${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const post = (nsid: string, body: unknown, token?: string) =>
	exports.default.fetch(`http://localhost:8787/xrpc/${nsid}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(body),
	});

async function expectRefused(response: Response, error: string) {
	expect(response.status).toBe(401);
	expect(((await response.json()) as { error: string }).error).toBe(error);
}

describe('service tokens', () => {
	it('refuses a correctly signed token carrying a 100 KB claim, before any verification', async () => {
		const me = await signedAccount(newDid());
		await expectRefused(await get(TIMELINE, await me.sign({ lxm: TIMELINE, padding: 'x'.repeat(100_000) })), 'BadJwt');
	});

	it('refuses a token issued in the future beyond a small skew', async () => {
		const me = await signedAccount(newDid());
		await expectRefused(await get(TIMELINE, await me.sign({ lxm: TIMELINE, iat: now() + 120, exp: now() + 170 })), 'JwtNotYetValid');
		expect((await get(TIMELINE, await me.sign({ lxm: TIMELINE, iat: now() + 3 }))).status).toBe(200);
	});

	it('refuses a procedure token used a second time', async () => {
		const me = await signedAccount(newDid());
		const token = await me.sign({ lxm: CANCEL });
		const first = await post(CANCEL, { id: 'a'.repeat(64) }, token);
		expect(first.status).not.toBe(401);
		await expectRefused(await post(CANCEL, { id: 'a'.repeat(64) }, token), 'NonceNotUnique');
	});

	it('refuses a procedure token without a nonce (jti), which could not be told from its replay', async () => {
		const me = await signedAccount(newDid());
		await expectRefused(await post(CANCEL, { id: 'a'.repeat(64) }, await me.sign({ lxm: CANCEL, jti: undefined })), 'BadJwt');
	});

	it('lets a query token be used again within its lifetime (reads are idempotent)', async () => {
		const me = await signedAccount(newDid());
		const token = await me.sign({ lxm: TIMELINE });
		expect((await get(TIMELINE, token)).status).toBe(200);
		expect((await get(TIMELINE, token)).status).toBe(200);
	});
});

describe('auth before input', () => {
	it('an unauthenticated procedure with bad input answers 401, not 400', async () => {
		await expectRefused(await post(GENERATE, { nonsense: true }), 'AuthMissing');
	});

	it('an unauthenticated query with bad params answers 401, not 400', async () => {
		await expectRefused(await get(TIMELINE, undefined, '?limit=many'), 'AuthMissing');
	});
});

/** A DID source that counts its fetches; `fail` makes every fetch fail as for an unknown DID. */
function countingSource(document: (did: Did) => object | undefined) {
	const source = {
		fetches: 0,
		async resolve(did: Did) {
			source.fetches += 1;
			const found = document(did);
			if (!found) throw new Error(`could not resolve ${did}`);
			return found;
		},
	};
	return source;
}

describe('DID resolution cannot be driven without bound', () => {
	it('a flood of bad signatures for a real DID refreshes its document at most once a minute', async () => {
		const did = newDid() as Did;
		const source = countingSource(() => ({ id: did }));
		const resolver = new AuthDidResolver(new CachedDidResolver(env.DB, source as unknown as DidDocumentResolver));
		await resolver.resolve(did);
		// Each bad signature makes the verifier ask again without the cache (a key rotation?).
		for (let i = 0; i < 20; i++) await resolver.resolve(did, { noCache: true });
		expect(source.fetches).toBeLessThanOrEqual(2);
	});

	it('a DID that cannot be resolved is not fetched again on every token naming it', async () => {
		const did = newDid() as Did;
		const source = countingSource(() => undefined);
		const resolver = new AuthDidResolver(new CachedDidResolver(env.DB, source as unknown as DidDocumentResolver));
		for (let i = 0; i < 20; i++) await expect(resolver.resolve(did, { noCache: i % 2 === 0 })).rejects.toThrow();
		expect(source.fetches).toBe(1);
	});
});
