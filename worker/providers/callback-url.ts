import { fromHex, toHex } from './bytes.ts';

/**
 * The webhook URLs we give providers carry `sig` = HMAC-SHA256(key, "<provider>:<job id>"): a
 * provider's signature proves who sent a webhook, ours proves we asked for it for that job, so
 * another customer of the same provider cannot aim their signed webhooks at our jobs.
 */
export async function signCallback(key: string, provider: string, jobId: string): Promise<string> {
	return toHex(await crypto.subtle.sign('HMAC', await hmacKey(key, 'sign'), message(provider, jobId)));
}

export async function verifyCallback(key: string, provider: string, jobId: string, sig: string | null): Promise<boolean> {
	const signature = sig ? fromHex(sig) : undefined;
	if (signature?.length !== 32) return false;
	// subtle.verify compares in constant time.
	return crypto.subtle.verify('HMAC', await hmacKey(key, 'verify'), signature, message(provider, jobId));
}

const message = (provider: string, jobId: string) => new TextEncoder().encode(`${provider}:${jobId}`);

function hmacKey(key: string, use: 'sign' | 'verify'): Promise<CryptoKey> {
	return crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, [use]);
}
