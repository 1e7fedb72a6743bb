import { xrpc } from './xrpc.ts';

/** An account's identity: its DID, handle (verified both ways when we could) and PDS. */
export interface Identity {
	did: string;
	handle?: string;
	pds: string;
}

interface DidDocument {
	id: string;
	alsoKnownAs?: string[];
	service?: { id: string; type: string; serviceEndpoint: unknown }[];
}

const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]+$/;
const HANDLE = /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
/** Handles under these TLDs never resolve through public DNS: only a resolver service knows them. */
const LOCAL_TLDS = ['.test', '.localhost', '.local', '.internal'];

export function isDid(value: string): boolean {
	return DID.test(value);
}

export function normalizeHandle(value: string): string {
	return value.trim().replace(/^@/, '').toLowerCase();
}

export function isHandle(value: string): boolean {
	return HANDLE.test(value);
}

export interface ResolveOptions {
	plcUrl: string;
	/** Services answering `com.atproto.identity.resolveHandle`, tried first, in order. */
	handleResolvers: string[];
}

/**
 * Handle or DID → DID → DID document → PDS. A handle is resolved by the resolver services given
 * (the user's hosting provider, the deployment's), else DNS-over-HTTPS (`_atproto` TXT), else
 * `https://<handle>/.well-known/atproto-did`; the document must claim the handle back.
 */
export async function resolveIdentity(identifier: string, options: ResolveOptions): Promise<Identity> {
	const input = identifier.trim().replace(/^@/, '');
	const handle = isDid(input) ? undefined : normalizeHandle(input);
	if (handle !== undefined && !isHandle(handle)) throw new Error(`“${identifier}” is neither a handle nor a DID`);
	const did = handle === undefined ? input : await resolveHandle(handle, options.handleResolvers);
	const doc = await resolveDid(did, options.plcUrl);
	const pds = pdsOf(doc);
	if (!pds) throw new Error(`${did} names no PDS in its DID document`);
	const claimed = handleOf(doc);
	if (handle !== undefined && claimed !== handle) throw new Error(`${did} does not claim the handle ${handle}`);
	return { did, pds, ...(claimed ? { handle: claimed } : {}) };
}

export async function resolveHandle(handle: string, resolvers: string[]): Promise<string> {
	const failures: string[] = [];
	for (const resolver of resolvers) {
		try {
			const { did } = await xrpc<{ did: string }>(resolver, 'GET', 'com.atproto.identity.resolveHandle', { params: { handle } });
			if (isDid(did)) return did;
		} catch (error) {
			failures.push(`${new URL(resolver).host}: ${(error as Error).message}`);
		}
	}
	if (!LOCAL_TLDS.some((tld) => handle.endsWith(tld))) {
		const did = (await viaDns(handle).catch(() => undefined)) ?? (await viaWellKnown(handle).catch(() => undefined));
		if (did) return did;
		failures.push('DNS and HTTPS found no DID');
	}
	throw new Error(`could not resolve ${handle}${failures.length ? ` (${failures.join('; ')})` : ''}`);
}

/** DNS-over-HTTPS: browsers cannot read TXT records themselves. */
async function viaDns(handle: string): Promise<string | undefined> {
	const url = new URL('https://cloudflare-dns.com/dns-query');
	url.searchParams.set('name', `_atproto.${handle}`);
	url.searchParams.set('type', 'TXT');
	const response = await fetch(url, { headers: { accept: 'application/dns-json' } });
	const body = (await response.json()) as { Answer?: { data?: string }[] };
	for (const answer of body.Answer ?? []) {
		const value = answer.data?.replace(/^"|"$/g, '');
		if (value?.startsWith('did=') && isDid(value.slice(4))) return value.slice(4);
	}
	return undefined;
}

async function viaWellKnown(handle: string): Promise<string | undefined> {
	const response = await fetch(`https://${handle}/.well-known/atproto-did`);
	const did = response.ok ? (await response.text()).trim() : '';
	return isDid(did) ? did : undefined;
}

export async function resolveDid(did: string, plcUrl: string): Promise<DidDocument> {
	let url: string;
	if (did.startsWith('did:plc:')) {
		url = new URL(`/${did}`, plcUrl).href;
	} else if (did.startsWith('did:web:')) {
		const host = decodeURIComponent(did.slice('did:web:'.length));
		const scheme = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host) ? 'http' : 'https';
		url = `${scheme}://${host}/.well-known/did.json`;
	} else {
		throw new Error(`unsupported DID method: ${did}`);
	}
	let response: Response;
	try {
		response = await fetch(url);
	} catch {
		throw new Error(`could not reach ${new URL(url).host} to resolve ${did}`);
	}
	if (!response.ok) throw new Error(`${did} did not resolve (${response.status})`);
	const doc = (await response.json()) as DidDocument;
	if (doc.id !== did) throw new Error(`the document for ${did} names ${doc.id}`);
	return doc;
}

export function pdsOf(doc: DidDocument): string | undefined {
	const service = doc.service?.find((s) => s.id === '#atproto_pds' || s.id === `${doc.id}#atproto_pds`);
	return typeof service?.serviceEndpoint === 'string' ? service.serviceEndpoint.replace(/\/$/, '') : undefined;
}

export function handleOf(doc: DidDocument): string | undefined {
	const aka = doc.alsoKnownAs?.find((name) => name.startsWith('at://'));
	return aka ? normalizeHandle(aka.slice('at://'.length)) : undefined;
}

export type { DidDocument };
