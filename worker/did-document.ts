import type { Config } from './config.ts';

/**
 * The service's did:web document. `#dreamreel` is what AT-Proto clients name in `atproto-proxy`
 * to reach our XRPC methods through their PDS; `#bsky_fg` lets Bluesky apps use our feed generator.
 */
export function didDocument(config: Config) {
	const endpoint = config.publicUrl.origin;
	return {
		'@context': ['https://www.w3.org/ns/did/v1'],
		id: config.serviceDid,
		service: [
			{ id: '#dreamreel', type: 'DreamreelAppView', serviceEndpoint: endpoint },
			{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: endpoint },
		],
	};
}
