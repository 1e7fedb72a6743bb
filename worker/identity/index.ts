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
import type { Config } from '../config.ts';
import { outboundFetch } from '../outbound-fetch.ts';
import { CachedDidResolver } from './cached-did-resolver.ts';

export interface Identity {
	/** DID → document (did:plc via the configured directory, did:web), cached with expiry. */
	dids: CachedDidResolver;
	/** Handle or DID → verified { did, handle, pds }; a handle that does not point back is `handle.invalid`. */
	actors: ActorResolver;
}

/** `remember`: see CachedDidResolver — only for the Ingester, which hears identity events itself. */
export function createIdentity(config: Config, db: D1Database, { remember = false } = {}): Identity {
	const fetch = outboundFetch(config.allowLoopbackFetch);
	const dids = new CachedDidResolver(
		db,
		new CompositeDidDocumentResolver({
			methods: {
				plc: new PlcDidDocumentResolver({ apiUrl: config.plcUrl, fetch }),
				web: new AtprotoWebDidDocumentResolver({ fetch }),
			},
		}),
		{ remember },
	);
	return { dids, actors: new LocalActorResolver({ handleResolver: handleResolver(config, fetch), didDocumentResolver: dids }) };
}

/**
 * Production resolves handles the standard ways (DNS TXT over DoH, then /.well-known/atproto-did);
 * a local network whose `.test` handles exist only on its PDS names that PDS instead.
 */
function handleResolver(config: Config, fetch: typeof globalThis.fetch): HandleResolver {
	if (config.handleResolverUrl) return new XrpcHandleResolver({ serviceUrl: config.handleResolverUrl, fetch });
	return new CompositeHandleResolver({
		strategy: 'dns-first',
		methods: {
			dns: new DohJsonHandleResolver({ dohUrl: 'https://cloudflare-dns.com/dns-query', fetch }),
			http: new WellKnownHandleResolver({ fetch }),
		},
	});
}
