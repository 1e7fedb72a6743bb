import { env } from 'cloudflare:workers';
import { oauthClientMetadataSchema } from '@atproto/oauth-types';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../worker/config.ts';
import { oauthClientMetadata } from '../../worker/oauth-client-metadata.ts';

const configFor = (publicUrl: string) => readConfig({ ...env, PUBLIC_URL: publicUrl });

describe('the web client’s OAuth client metadata', () => {
	it('on an https deployment is a discoverable web client that the reference schema accepts', () => {
		const metadata = oauthClientMetadata(configFor('https://dreamreel.example'));
		const parsed = oauthClientMetadataSchema.parse(metadata);
		expect(parsed).toMatchObject({
			client_id: 'https://dreamreel.example/oauth/client-metadata.json',
			redirect_uris: ['https://dreamreel.example/'],
			application_type: 'web',
			token_endpoint_auth_method: 'none',
			dpop_bound_access_tokens: true,
		});
		const scopes = parsed.scope!.split(' ');
		expect(scopes).toContain('atproto');
		expect(scopes).toContain('repo:video.dreamreel.clip');
		expect(scopes).toContain('blob:video/*');
		const rpc = new URLSearchParams(scopes.find((scope) => scope.startsWith('rpc?'))!.slice(4));
		expect(rpc.get('aud')).toBe('did:web:dreamreel.example#dreamreel');
		expect(rpc.getAll('lxm')).toContain('video.dreamreel.getTimeline');
	});

	it('on localhost is the loopback client, returning to 127.0.0.1 on the deployment’s port', () => {
		const metadata = oauthClientMetadata(configFor('http://localhost:8787'));
		expect(metadata.redirect_uris).toEqual(['http://127.0.0.1:8787/']);
		expect(new URL(metadata.client_id).searchParams.get('redirect_uri')).toBe('http://127.0.0.1:8787/');
		// The did:web keeps its encoded port inside the rpc scope's aud.
		expect(metadata.scope).toContain(`aud=${encodeURIComponent('did:web:localhost%3A8787#dreamreel')}`);
	});
});
