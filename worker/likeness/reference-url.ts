/**
 * The URL through which a provider fetches image `n` of one featured person's reference for one job:
 * `/likeness/<job>/<did>/<n>?exp=<unix s>&sig=<hex>`, signed with the deployment's URL key over all four.
 * The signature only opens the door: the route also asks the job whether it still runs and still
 * features the person (worker/likeness/reference-route.ts), so the URL dies with the job, not only at `exp`.
 */
export async function referenceUrl(key: CryptoKey, publicUrl: string, job: string, did: string, n: number, expiresAtMs: number): Promise<string> {
	const exp = Math.ceil(expiresAtMs / 1000);
	const sig = hex(new Uint8Array(await crypto.subtle.sign('HMAC', key, message(job, did, n, exp))));
	return new URL(`/likeness/${job}/${encodeURIComponent(did)}/${n}?exp=${exp}&sig=${sig}`, publicUrl).href;
}

/** Whether the URL's parts were signed by us and have not expired (constant-time, by `verify`). */
export async function verifyReferenceUrl(key: CryptoKey, job: string, did: string, n: number, url: URL, nowMs: number): Promise<boolean> {
	const exp = Number(url.searchParams.get('exp'));
	const sig = url.searchParams.get('sig') ?? '';
	if (!Number.isSafeInteger(exp) || exp * 1000 <= nowMs || !/^[0-9a-f]{64}$/.test(sig)) return false;
	const bytes = Uint8Array.from(sig.match(/../g)!, (pair) => parseInt(pair, 16));
	return crypto.subtle.verify('HMAC', key, bytes, message(job, did, n, exp));
}

function message(job: string, did: string, n: number, exp: number): Uint8Array {
	return new TextEncoder().encode(`${job}\n${did}\n${n}\n${exp}`);
}

function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
