import type { Config } from './config.ts';
import type { OwnLabeler } from './moderation/own-labels.ts';

/**
 * The service's did:web document. `#dreamreel` is what AT-Proto clients name in `atproto-proxy`
 * to reach our XRPC methods through their PDS; `#bsky_fg` lets Bluesky apps use our feed generator.
 * A deployment with a label signing key is a labeler too: `#atproto_labeler` and its `#atproto_label` key.
 */
export async function didDocument(config: Config, labeler?: OwnLabeler) {
	const endpoint = config.publicUrl.origin;
	return {
		'@context': ['https://www.w3.org/ns/did/v1', ...(labeler ? ['https://w3id.org/security/multikey/v1'] : [])],
		id: config.serviceDid,
		...(labeler
			? {
					verificationMethod: [
						{ id: `${config.serviceDid}#atproto_label`, type: 'Multikey', controller: config.serviceDid, publicKeyMultibase: await labeler.key.exportPublicKey('multikey') },
					],
				}
			: {}),
		service: [
			{ id: '#dreamreel', type: 'DreamreelAppView', serviceEndpoint: endpoint },
			{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: endpoint },
			...(labeler ? [{ id: '#atproto_labeler', type: 'AtprotoLabeler', serviceEndpoint: endpoint }] : []),
		],
	};
}
