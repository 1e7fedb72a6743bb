import { getPdsEndpoint } from '@atcute/identity';
import type { DidDocumentResolver } from '@atcute/identity-resolver';
import type { Did } from '@atcute/lexicons';
import { z } from 'zod';

/** What generation needs to know of a requester: their repo is live on a PDS, and which host that is. */
export type AccountStatus = { ok: true; pdsHost: string } | { ok: false; reason: string };

/** A confirmed account is re-checked hourly; a refusal is remembered briefly so a flood of DIDs costs one fetch each. */
export const ACCOUNT_OK_TTL_MS = 3_600_000;
export const ACCOUNT_REFUSED_TTL_MS = 10 * 60_000;

const repoStatus = z.object({ did: z.string(), active: z.boolean(), status: z.string().optional() });

/**
 * Minting a DID is free; an account with a repo on a PDS is not. The PDS comes from the DID
 * document only, and must itself say the repo is active (`com.atproto.sync.getRepoStatus`).
 */
export async function checkAccount(dids: DidDocumentResolver, fetch: typeof globalThis.fetch, did: string): Promise<AccountStatus> {
	let pds: string | undefined;
	try {
		pds = getPdsEndpoint(await dids.resolve(did as Did));
	} catch {
		return { ok: false, reason: 'your DID document could not be resolved' };
	}
	if (!pds) return { ok: false, reason: 'your DID document names no PDS' };
	const url = new URL('/xrpc/com.atproto.sync.getRepoStatus', pds);
	url.searchParams.set('did', did);
	let status: z.infer<typeof repoStatus>;
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
		if (!response.ok) return { ok: false, reason: `your PDS (${url.host}) has no repo for you` };
		status = repoStatus.parse(await response.json());
	} catch {
		return { ok: false, reason: `your PDS (${url.host}) did not confirm your account` };
	}
	if (status.did !== did || !status.active) return { ok: false, reason: `your repo on ${url.host} is not active${status.status ? ` (${status.status})` : ''}` };
	return { ok: true, pdsHost: new URL(pds).hostname.toLowerCase() };
}

/**
 * The host quota's key: the last two labels of the PDS's name, so one wildcard domain serving a
 * PDS under every subdomain is still one host. (Without the public-suffix list this also groups
 * `*.co.uk`: stricter, never looser.)
 */
export function hostQuotaKey(pdsHost: string): string {
	const host = pdsHost.replace(/\.$/, '');
	if (/^\[|^\d+(\.\d+){3}$/.test(host)) return host;
	return host.split('.').slice(-2).join('.');
}
