// Service auth inside workerd: an account whose DID document (with a fresh #atproto key) sits in the
// worker's DID cache, so the real verifier accepts the JWTs it signs without any network.
import { env } from 'cloudflare:workers';
import { P256PrivateKeyExportable } from '@atcute/crypto';
import type { Did, Nsid } from '@atcute/lexicons';
import { createServiceJwt } from '@atcute/xrpc-server/auth';

const SERVICE_DID = 'did:web:localhost%3A8787';

export interface SignedAccount {
	did: Did;
	/** `Authorization` headers for one call of `lxm`. */
	headers(lxm: Nsid): Promise<{ authorization: string }>;
	/** A token with these claims (over sensible defaults) signed by the account's key, as an attacker holding it could. */
	sign(claims: Record<string, unknown>): Promise<string>;
}

const toBase64Url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const encodeUtf8 = (text: string) => new TextEncoder().encode(text);
const base64url = (value: unknown) => toBase64Url(encodeUtf8(JSON.stringify(value)));

export async function signedAccount(did: string): Promise<SignedAccount> {
	const keypair = await P256PrivateKeyExportable.createKeypair();
	const document = {
		'@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
		id: did,
		verificationMethod: [{ id: `${did}#atproto`, type: 'Multikey', controller: did, publicKeyMultibase: await keypair.exportPublicKey('multikey') }],
	};
	await env.DB.prepare('INSERT OR REPLACE INTO did_cache (did, document, fetched_at) VALUES (?1, ?2, ?3)')
		.bind(did, JSON.stringify(document), Date.now())
		.run();
	return {
		did: did as Did,
		async headers(lxm) {
			const jwt = await createServiceJwt({ keypair, issuer: did as Did, audience: `${SERVICE_DID}#dreamreel`, lxm });
			return { authorization: `Bearer ${jwt}` };
		},
		async sign(claims) {
			const iat = Math.floor(Date.now() / 1000);
			const payload = { aud: `${SERVICE_DID}#dreamreel`, iss: did, iat, exp: iat + 60, jti: crypto.randomUUID(), ...claims };
			const message = `${base64url({ typ: 'JWT', alg: keypair.jwtAlg })}.${base64url(payload)}`;
			return `${message}.${toBase64Url(await keypair.sign(encodeUtf8(message)))}`;
		},
	};
}
