/**
 * The URL through which a provider fetches one featured person's reference for one job:
 * `/likeness/<job>/<did>?exp=<unix s>&sig=<hex>`, signed with the deployment's URL key over all three.
 * The signature only opens the door: the route also asks the job whether it still runs and still
 * features the person (worker/likeness/reference-route.ts), so the URL dies with the job, not only at `exp`.
 */
export async function referenceUrl(key: CryptoKey, publicUrl: string, job: string, did: string, expiresAtMs: number): Promise<string> {
	const exp = Math.ceil(expiresAtMs / 1000);
	const sig = hex(new Uint8Array(await crypto.subtle.sign('HMAC', key, message(job, did, exp))));
	return new URL(`/likeness/${job}/${encodeURIComponent(did)}?exp=${exp}&sig=${sig}`, publicUrl).href;
}

/** Whether the URL's parts were signed by us and have not expired (constant-time, by `verify`). */
export async function verifyReferenceUrl(key: CryptoKey, job: string, did: string, url: URL, nowMs: number): Promise<boolean> {
	const exp = Number(url.searchParams.get('exp'));
	const sig = url.searchParams.get('sig') ?? '';
	if (!Number.isSafeInteger(exp) || exp * 1000 <= nowMs || !/^[0-9a-f]{64}$/.test(sig)) return false;
	const bytes = Uint8Array.from(sig.match(/../g)!, (pair) => parseInt(pair, 16));
	return crypto.subtle.verify('HMAC', key, bytes, message(job, did, exp));
}

function message(job: string, did: string, exp: number): Uint8Array {
	return new TextEncoder().encode(`${job}\n${did}\n${exp}`);
}

function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
