import { ComAtprotoModerationCreateReport } from '@atcute/atproto';
import type { AppBskyActorProfile, AppBskyFeedPost, AppBskyGraphFollow } from '@atcute/bluesky';
import type { Config } from './config.ts';
import * as lexicons from './lexicons/index.ts';
import type { VideoDreamreelClip, VideoDreamreelComment, VideoDreamreelConsent, VideoDreamreelLike, VideoDreamreelRemix } from './lexicons/index.ts';
import { CLIP, COMMENT, CONSENT, FOLLOW, LIKE, POST, PROFILE, REMIX } from './nsid.ts';

/** The collections the web client writes to the user's repo, each checked against its lexicon type. */
const WRITTEN: [
	VideoDreamreelClip.Main['$type'],
	VideoDreamreelRemix.Main['$type'],
	VideoDreamreelLike.Main['$type'],
	VideoDreamreelComment.Main['$type'],
	VideoDreamreelConsent.Main['$type'],
	AppBskyGraphFollow.Main['$type'],
	AppBskyFeedPost.Main['$type'],
	AppBskyActorProfile.Main['$type'],
] = [CLIP, REMIX, LIKE, COMMENT, CONSENT, FOLLOW, POST, PROFILE];

/**
 * Every Dreamreel XRPC method, from the lexicons (a new method is in the scope without a second
 * list), and the one atproto method the client calls on this service: reporting.
 */
const METHODS = [
	...Object.values(lexicons)
		.flatMap((namespace) => ('mainSchema' in namespace ? [namespace.mainSchema] : []))
		.flatMap((schema) => (schema.type === 'xrpc_query' || schema.type === 'xrpc_procedure' ? [schema.nsid] : [])),
	ComAtprotoModerationCreateReport.mainSchema.nsid,
].sort();

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What the web client may do with an OAuth session, and no more: write its own collections (with
 * the Bluesky posts sharing clips and the profile it edits), upload videos, posters and avatars, and
 * call this service's methods (proxied by the PDS, or with a service token for the job socket). Methods are named one by one: `rpc:*` would read, on the consent screen, as access to
 * Bluesky preferences and chats. The `aud` is encoded as a whole: a did:web with a port
 * (`localhost%3A8787`) must keep its `%`.
 */
export function oauthScope(config: Config): string {
	const rpc = new URLSearchParams(METHODS.map((lxm) => ['lxm', lxm]));
	rpc.append('aud', `${config.serviceDid}#dreamreel`);
	return ['atproto', ...WRITTEN.map((collection) => `repo:${collection}`), 'blob:video/*', 'blob:image/*', `rpc?${rpc}`].join(' ');
}

/**
 * The web client's OAuth client metadata, served at `/oauth/client-metadata.json`. On a public
 * HTTPS origin that URL is the client_id (a discoverable client, fetched by each authorization
 * server). Loopback deployments cannot be discovered, so the document describes the loopback
 * client instead (client_id `http://localhost?…`, which servers derive without fetching): it
 * must return to `127.0.0.1`, never `localhost` (RFC 8252), on this deployment's port.
 */
export function oauthClientMetadata(config: Config) {
	const scope = oauthScope(config);
	const common = {
		scope,
		grant_types: ['authorization_code', 'refresh_token'],
		response_types: ['code'],
		token_endpoint_auth_method: 'none',
		dpop_bound_access_tokens: true,
	};
	const { origin, hostname, port } = config.publicUrl;
	if (LOOPBACK_HOSTS.has(hostname)) {
		const redirectUri = `http://127.0.0.1${port ? `:${port}` : ''}/`;
		const clientId = `http://localhost?${new URLSearchParams({ redirect_uri: redirectUri, scope })}`;
		return { client_id: clientId, redirect_uris: [redirectUri], application_type: 'native', ...common };
	}
	return {
		client_id: `${origin}/oauth/client-metadata.json`,
		client_name: 'Dreamreel',
		client_uri: origin,
		redirect_uris: [`${origin}/`],
		application_type: 'web',
		...common,
	};
}
