import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../worker/index.ts';
import { ConfigError, DEV_LIKENESS_KEY, readConfig } from '../../worker/config.ts';

// What a self-hoster would ship: wrangler.toml's production defaults with a real origin.
const production = {
	DEPLOYMENT: 'production',
	PUBLIC_URL: 'https://dreamreel.example',
	FIREHOSE_URL: 'jetstream+wss://jetstream2.us-east.bsky.network',
	PLC_URL: 'https://plc.directory',
	ALLOW_LOOPBACK_FETCH: 'false',
	HANDLE_RESOLVER_URL: '',
};

describe('production config', () => {
	afterEach(() => vi.restoreAllMocks());

	it('accepts public values', () => {
		const config = readConfig(production);
		expect([config.serviceDid, config.allowLoopbackFetch]).toEqual(['did:web:dreamreel.example', false]);
	});

	it('defaults to production when DEPLOYMENT is unset', () => {
		const { DEPLOYMENT: _, ...unset } = production;
		expect(() => readConfig({ ...unset, ALLOW_LOOPBACK_FETCH: 'true' })).toThrow(ConfigError);
	});

	it.each([
		[{ ALLOW_LOOPBACK_FETCH: 'true' }, /ALLOW_LOOPBACK_FETCH is "true"/],
		[{ PUBLIC_URL: 'http://localhost:8787' }, /PUBLIC_URL http:\/\/localhost:8787 must be https.*is a local address/],
		[{ PUBLIC_URL: 'https://127.0.0.1' }, /PUBLIC_URL https:\/\/127\.0\.0\.1 is a local address/],
		[{ PUBLIC_URL: 'http://dreamreel.example' }, /must be https/],
		[{ FIREHOSE_URL: 'ws://localhost:2583' }, /FIREHOSE_URL ws:\/\/localhost:2583 is a local address/],
		[{ PLC_URL: 'http://10.0.0.2:2582' }, /PLC_URL .* is a local address/],
		[{ HANDLE_RESOLVER_URL: 'http://localhost:2583' }, /HANDLE_RESOLVER_URL .* is a local address/],
		[{ PUBLIC_URL: '' }, /PUBLIC_URL: must be the public origin of this deployment/],
		[{ LIKENESS_KEY: DEV_LIKENESS_KEY }, /LIKENESS_KEY is the development key/],
	])('refuses local settings: %o', (change, message) => {
		expect(() => readConfig({ ...production, ...change })).toThrow(message);
	});

	it('allows the local values in development', () => {
		expect(readConfig(env).allowLoopbackFetch).toBe(true);
	});

	it('makes a production worker with local values refuse every request, saying why in its log only', async () => {
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		const local = { ...env, DEPLOYMENT: 'production' };
		for (const path of ['/xrpc/_health', '/.well-known/did.json', '/video/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']) {
			const response = await worker.fetch(new Request(`http://localhost:8787${path}`), local, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);
			expect(response.status).toBe(503);
			expect(await response.json()).toEqual({ error: 'ServiceUnavailable', message: 'this deployment is misconfigured' });
		}
		expect(String(logged.mock.calls[0]?.[0])).toMatch(/refusing to serve a production deployment with local settings: PUBLIC_URL http:\/\/localhost:8787 must be https.*ALLOW_LOOPBACK_FETCH is "true"/);
	});

	it('serves the same worker in development', async () => {
		const response = await exports.default.fetch('http://localhost:8787/.well-known/did.json');
		expect(response.status).toBe(200);
	});
});
