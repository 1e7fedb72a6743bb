import { describe, expect, it } from 'vitest';
import { outboundFetch } from '../../worker/outbound-fetch.ts';

/** A network where each URL answers with a redirect to the next, recording what was asked. */
function redirecting(chain: Record<string, string>) {
	const asked: string[] = [];
	const send = (async (input: RequestInfo | URL) => {
		const url = input.toString();
		asked.push(url);
		const next = chain[url];
		return next ? new Response(null, { status: 302, headers: { location: next } }) : new Response('video bytes');
	}) as typeof fetch;
	return { asked, send };
}

describe('outbound fetch', () => {
	it('follows a redirect to a public host', async () => {
		const net = redirecting({ 'https://pds.example/xrpc/blob': 'https://cdn.example/blob' });
		const response = await outboundFetch(false, net.send)('https://pds.example/xrpc/blob');
		expect(await response.text()).toBe('video bytes');
		expect(net.asked).toEqual(['https://pds.example/xrpc/blob', 'https://cdn.example/blob']);
	});

	it.each(['http://10.0.0.5/x', 'http://192.168.1.1/x', 'http://172.16.0.1/x', 'http://169.254.169.254/latest/meta-data', 'http://[fd00::1]/x', 'http://127.0.0.1/x', 'http://localhost/x'])(
		'refuses a redirect to %s without fetching it',
		async (target) => {
			const net = redirecting({ 'https://pds.example/blob': target });
			await expect(outboundFetch(false, net.send)('https://pds.example/blob')).rejects.toThrow(/refusing/);
			expect(net.asked).toEqual(['https://pds.example/blob']);
		},
	);

	it('refuses loopback in production but allows it for the local network', async () => {
		const net = redirecting({});
		await expect(outboundFetch(false, net.send)('http://localhost:2583/xrpc/x')).rejects.toThrow(/loopback/);
		await outboundFetch(true, net.send)('https://localhost:8787/.well-known/did.json');
		expect(net.asked).toEqual(['http://localhost:8787/.well-known/did.json']);
	});

	it('stops after three redirects', async () => {
		const net = redirecting({ 'https://a.example/': 'https://b.example/', 'https://b.example/': 'https://c.example/', 'https://c.example/': 'https://d.example/', 'https://d.example/': 'https://e.example/' });
		await expect(outboundFetch(false, net.send)('https://a.example/')).rejects.toThrow(/too many redirects/);
	});

	it('leaves redirects to callers that ask for them', async () => {
		const net = redirecting({ 'https://a.example/': 'https://b.example/' });
		const response = await outboundFetch(false, net.send)('https://a.example/', { redirect: 'manual' });
		expect(response.status).toBe(302);
	});
});
