import { z } from 'zod';

/** The two keys derived from the deployment's LIKENESS_KEY: one encrypts stored references, one signs their URLs. */
export interface LikenessKeys {
	/** AES-256-GCM over each stored reference. */
	encryption: CryptoKey;
	/** HMAC-SHA256 over the short-lived reference URLs handed to providers. */
	urls: CryptoKey;
}

const keySchema = z.base64().refine((value) => atob(value).length === 32, 'must be 32 random bytes in base64');

/**
 * Undefined when the deployment has no LIKENESS_KEY: it then keeps no likenesses (the methods say so)
 * and refuses jobs featuring someone whose consent names one. A malformed key throws.
 */
export async function likenessKeys(secret: string | undefined): Promise<LikenessKeys | undefined> {
	if (!secret?.trim()) return undefined;
	const parsed = keySchema.safeParse(secret.trim());
	if (!parsed.success) throw new Error(`LIKENESS_KEY ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
	const raw = Uint8Array.from(atob(parsed.data), (char) => char.charCodeAt(0));
	const master = await crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveKey']);
	// Separate keys by purpose: a URL signature can never double as a ciphertext key, nor the reverse.
	const derive = (info: string, algorithm: Parameters<SubtleCrypto['deriveKey']>[2], usages: string[]) =>
		crypto.subtle.deriveKey(
			{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
			master,
			algorithm,
			false,
			usages,
		);
	return {
		encryption: await derive('dreamreel likeness storage', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
		urls: await derive('dreamreel likeness urls', { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign', 'verify']),
	};
}
