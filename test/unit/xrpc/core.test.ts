import { exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { errorResponse } from '../../../worker/errors.ts';

const get = (path: string) => exports.default.fetch(`http://localhost:8787${path}`);

describe('XRPC core', () => {
	it('answers an unknown method with 501 MethodNotImplemented', async () => {
		const res = await get('/xrpc/video.dreamreel.nope');
		expect(res.status).toBe(501);
		expect(await res.json()).toEqual({ error: 'MethodNotImplemented', message: expect.stringContaining('video.dreamreel.nope') });
	});

	it('answers a missing param with 400 InvalidRequest naming the param', async () => {
		const res = await get('/xrpc/video.dreamreel.getClip');
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: 'InvalidRequest', message: expect.stringContaining('uri') });
	});

	it('answers bad input with exactly {error, message}, as the reference server does', async () => {
		// A public method: signed-in ones check the token before the input (401 first).
		const res = await get('/xrpc/video.dreamreel.getClips?uris=not-a-uri');
		expect(res.status).toBe(400);
		expect(Object.keys(await res.json())).toEqual(['error', 'message']);
	});

	it('answers an unexpected failure with 500 and no details', async () => {
		vi.spyOn(console, 'error').mockImplementationOnce(() => {});
		const res = errorResponse(new Error('secret detail: D1 said no'), new Request('http://localhost:8787/xrpc/video.dreamreel.getClip'));
		expect(res.status).toBe(500);
		expect(await res.json()).toEqual({ error: 'InternalServerError', message: 'internal server error' });
	});

	it('answers a malformed param with 400 InvalidRequest naming the param', async () => {
		const res = await get('/xrpc/video.dreamreel.getClip?uri=not-a-uri');
		expect(res.status).toBe(400);
		const body = await res.json<{ error: string; message: string }>();
		expect(body.error).toBe('InvalidRequest');
		expect(body.message).toContain('uri');
	});

	it('answers a well-formed URI of a missing clip with 404 ClipNotFound', async () => {
		const res = await get('/xrpc/video.dreamreel.getClip?uri=at://did:plc:abcdefghijklmnopqrstuvwx/video.dreamreel.clip/3kabc');
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ error: 'ClipNotFound' });
	});

	it('refuses the wrong HTTP method with 405', async () => {
		const res = await exports.default.fetch('http://localhost:8787/xrpc/video.dreamreel.getClip?uri=at://did:plc:x/a.b.c/d', { method: 'POST' });
		expect(res.status).toBe(405);
		expect(await res.json()).toMatchObject({ error: 'InvalidRequest' });
	});

	it('reports health with the version', async () => {
		const res = await get('/xrpc/_health');
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
	});
});

describe('did:web document', () => {
	it('names the service and its #dreamreel and #bsky_fg endpoints', async () => {
		const res = await get('/.well-known/did.json');
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({
			'@context': ['https://www.w3.org/ns/did/v1'],
			id: 'did:web:localhost%3A8787',
			service: [
				{ id: '#dreamreel', type: 'DreamreelAppView', serviceEndpoint: 'http://localhost:8787' },
				{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: 'http://localhost:8787' },
			],
		});
	});
});

describe('web client configuration', () => {
	it('tells the client where this network resolves identities', async () => {
		const res = await get('/.well-known/dreamreel-client.json');
		expect(await res.json()).toEqual({ plcUrl: 'http://localhost:2582', handleResolver: 'http://localhost:2583' });
	});
});
