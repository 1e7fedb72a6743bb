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

/**
 * IANA's IPv4 and IPv6 special-purpose address registries (and multicast), one address per range
 * in the forms an attacker would write them; trailing-dot and *.localhost names; every IPv6 form that
 * embeds an IPv4 address.
 */
const REFUSED = [
	// IPv4 special-purpose registry
	'0.0.0.0', '0.1.2.3', '10.1.2.3', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.255.0.9', '169.254.169.254', '172.16.0.1', '172.31.255.1',
	'192.0.0.1', '192.0.0.170', '192.0.2.7', '192.31.196.1', '192.52.193.1', '192.88.99.1', '192.168.0.1', '192.175.48.1', '198.18.0.1', '198.19.255.1',
	'198.51.100.1', '203.0.113.1', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
	// the same, written the ways URL parsers accept
	'2130706433', '0x7f000001', '0177.0.0.1', '127.1',
	// names
	'localhost.', 'foo.localhost', 'foo.localhost.', 'LOCALHOST', 'a.b.localhost.',
	// IPv6 special-purpose registry
	'[::]', '[::1]', '[100::1]', '[2001::1]', '[2001:2::1]', '[2001:db8::1]', '[2001:10::1]', '[2001:20::1]', '[3fff::1]', '[5f00::1]',
	'[fc00::1]', '[fd12:3456::1]', '[fe80::1]', '[febf::1]', '[fec0::1]', '[feff::1]', '[ff02::1]', '[ff0e::1]',
	// IPv6 forms embedding IPv4
	'[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::ffff:8.8.8.8]', '[::7f00:1]', '[::127.0.0.1]', '[::ffff:0:7f00:1]',
	'[64:ff9b::7f00:1]', '[64:ff9b::8.8.8.8]', '[64:ff9b:1::a00:1]', '[2002:7f00:1::1]', '[2002:808:808::1]', '[2001:0:4136:e378::1]',
];
const ALLOWED = ['pds.example', 'pds.example.', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '198.20.0.1', '[2606:4700:4700::1111]', '[2a01:4f8::1]'];

describe('the guard table', () => {
	it.each(REFUSED)('refuses http://%s/ in production, fetching nothing', async (host) => {
		const net = redirecting({});
		await expect(outboundFetch(false, net.send)(`http://${host}/xrpc/x`)).rejects.toThrow(/refusing/);
		expect(net.asked).toEqual([]);
	});

	it.each(REFUSED)('refuses a redirect to http://%s/', async (host) => {
		const net = redirecting({ 'https://pds.example/blob': `http://${host}/x` });
		await expect(outboundFetch(false, net.send)('https://pds.example/blob')).rejects.toThrow(/refusing/);
		expect(net.asked).toEqual(['https://pds.example/blob']);
	});

	it.each(ALLOWED)('fetches the public http://%s/', async (host) => {
		const net = redirecting({});
		await outboundFetch(false, net.send)(`http://${host}/x`);
		expect(net.asked).toHaveLength(1);
	});
});
