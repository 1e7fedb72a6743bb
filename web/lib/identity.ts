import {
	AtprotoWebDidDocumentResolver,
	CompositeDidDocumentResolver,
	CompositeHandleResolver,
	DohJsonHandleResolver,
	LocalActorResolver,
	PlcDidDocumentResolver,
	WellKnownHandleResolver,
	XrpcHandleResolver,
	type ActorResolver,
	type HandleResolver,
} from '@atcute/identity-resolver';
import { isDid, isHandle, type AtprotoDid, type Handle } from '@atcute/lexicons/syntax';
import { normalizeHandle } from './names.ts';

/** An account's identity: its DID, handle (verified both ways when we could) and PDS. */
export interface Identity {
	did: string;
	handle?: string;
	pds: string;
}

export interface ResolveOptions {
	plcUrl: string;
	/** Services answering `com.atproto.identity.resolveHandle`, tried first, in order. */
	handleResolvers: string[];
}

/** Handles under these TLDs never resolve through public DNS: only a resolver service knows them. */
const LOCAL_TLDS = ['.test', '.localhost', '.local', '.internal'];

/**
 * Handle or DID → verified { did, handle, pds }: a handle is resolved by the resolver services
 * given (the user's hosting provider, the deployment's), else DNS-over-HTTPS (`_atproto` TXT), else
 * `https://<handle>/.well-known/atproto-did`; the DID document must claim the handle back.
 */
export function actorResolver(options: ResolveOptions): ActorResolver {
	const services = options.handleResolvers.map((serviceUrl) => new XrpcHandleResolver({ serviceUrl }));
	const network = new CompositeHandleResolver({
		strategy: 'dns-first',
		methods: {
			dns: new DohJsonHandleResolver({ dohUrl: 'https://cloudflare-dns.com/dns-query' }),
			http: new WellKnownHandleResolver(),
		},
	});
	return new LocalActorResolver({
		handleResolver: new FirstOf(services, network),
		didDocumentResolver: new CompositeDidDocumentResolver({
			methods: {
				plc: new PlcDidDocumentResolver({ apiUrl: options.plcUrl }),
				web: new AtprotoWebDidDocumentResolver({ fetch: loopbackOverHttp }),
			},
		}),
	});
}

export async function resolveIdentity(identifier: string, options: ResolveOptions): Promise<Identity> {
	const input = identifier.trim().replace(/^@/, '');
	const actor = isDid(input) ? input : normalizeHandle(input);
	if (!isDid(actor) && !isHandle(actor)) throw new Error(`“${identifier}” is neither a handle nor a DID`);
	const resolved = await actorResolver(options).resolve(actor);
	if (!isDid(actor) && resolved.handle !== actor) throw new Error(`${resolved.did} does not claim the handle ${actor}`);
	const handle = resolved.handle === 'handle.invalid' ? undefined : resolved.handle;
	return { did: resolved.did, pds: resolved.pds.replace(/\/$/, ''), ...(handle ? { handle } : {}) };
}

/** The resolver services in order; then the public ways, except for handles only a service knows. */
class FirstOf implements HandleResolver {
	readonly #services: HandleResolver[];
	readonly #network: HandleResolver;

	constructor(services: HandleResolver[], network: HandleResolver) {
		this.#services = services;
		this.#network = network;
	}

	async resolve(handle: Handle): Promise<AtprotoDid> {
		const failures: unknown[] = [];
		for (const service of this.#services) {
			try {
				return await service.resolve(handle);
			} catch (error) {
				failures.push(error);
			}
		}
		if (LOCAL_TLDS.some((tld) => handle.endsWith(tld))) throw new AggregateError(failures, `could not resolve ${handle}`);
		return this.#network.resolve(handle);
	}
}

/** did:web documents are https; a local network's (`did:web:localhost%3A8787`) is plain http. */
const loopbackOverHttp: typeof fetch = (input, init) => {
	const url = new URL(input instanceof Request ? input.url : input.toString());
	if (/^(localhost|127\.0\.0\.1|\[::1\])$/.test(url.hostname)) url.protocol = 'http:';
	return fetch(url, init);
};
