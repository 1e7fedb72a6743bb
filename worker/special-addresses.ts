/**
 * Which hosts a fetch for a URL from the network may not reach: IANA's IPv4 and IPv6
 * special-purpose address registries (plus multicast and the reserved 240/4), `localhost` and
 * `*.localhost`, and every IPv6 form that carries an IPv4 address, whose real target we cannot know.
 * Hosts come from `URL.hostname`, so IPv4 is already in dotted-decimal (`0x7f.1` → `127.0.0.1`)
 * and IPv6 bracketed, lowercase and compressed.
 */
export type HostClass = 'public' | 'loopback' | 'special';

export function classifyHost(hostname: string): HostClass {
	const host = hostname.toLowerCase().replace(/\.+$/, '');
	if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
	if (host.startsWith('[')) return classifyIpv6(host.slice(1, -1));
	const v4 = parseIpv4(host);
	if (v4 !== undefined) return classifyIpv4(v4);
	// A name: where it resolves is the platform's to police (Workers do not reach private networks).
	return host === '' ? 'special' : 'public';
}

// [first address, prefix length]; from the IPv4 Special-Purpose Address Registry, plus 224/4.
const IPV4_RANGES: readonly [string, number][] = [
	['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
	['192.0.2.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
	['192.175.48.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const ipv4Ranges = IPV4_RANGES.map(([first, bits]) => ({ first: parseIpv4(first)!, bits }));

function classifyIpv4(address: number): HostClass {
	if (address >>> 24 === 127) return 'loopback';
	return ipv4Ranges.some(({ first, bits }) => address >>> (32 - bits) === first >>> (32 - bits)) ? 'special' : 'public';
}

function parseIpv4(host: string): number | undefined {
	const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
	if (!parts) return undefined;
	const octets = parts.slice(1).map(Number);
	if (octets.some((octet) => octet > 255)) return undefined;
	return octets.reduce((value, octet) => value * 256 + octet, 0);
}

// [prefix, length] over the address as 8 groups of 16 bits; from the IPv6 Special-Purpose Address
// Registry, plus fec0::/10 (deprecated site-local), multicast, and every prefix that embeds IPv4.
const IPV6_RANGES: readonly [string, number][] = [
	['::', 96], // unspecified, loopback, IPv4-compatible ::a.b.c.d
	['::ffff:0:0', 96], // IPv4-mapped
	['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
	['64:ff9b::', 96], // NAT64
	['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation
	['100::', 64], // discard-only
	['2001::', 23], // IETF protocol assignments, including Teredo 2001::/32 (embeds IPv4)
	['2001:db8::', 32], // documentation
	['2002::', 16], // 6to4 (embeds IPv4)
	['3fff::', 20], // documentation
	['5f00::', 16], // segment routing SIDs
	['fc00::', 7], // unique local
	['fe80::', 10], // link-local
	['fec0::', 10], // site-local, deprecated
	['ff00::', 8], // multicast
];
const ipv6Ranges = IPV6_RANGES.map(([prefix, bits]) => ({ groups: parseIpv6(prefix)!, bits }));

function classifyIpv6(text: string): HostClass {
	const groups = parseIpv6(text);
	if (!groups) return 'special';
	if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return 'loopback';
	return ipv6Ranges.some((range) => matches(groups, range.groups, range.bits)) ? 'special' : 'public';
}

function matches(groups: number[], prefix: number[], bits: number): boolean {
	for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
		const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
		if ((groups[i]! & mask) !== (prefix[i]! & mask)) return false;
	}
	return true;
}

/** 8 groups, or undefined; accepts `::` and a trailing dotted IPv4. */
function parseIpv6(text: string): number[] | undefined {
	let address = text;
	const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
	if (dotted) {
		const v4 = parseIpv4(dotted[2]!);
		if (v4 === undefined) return undefined;
		address = `${dotted[1]}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
	}
	const halves = address.split('::');
	if (halves.length > 2) return undefined;
	const part = (half: string) => (half === '' ? [] : half.split(':'));
	const head = part(halves[0]!);
	const tail = halves.length === 2 ? part(halves[1]!) : [];
	const missing = 8 - head.length - tail.length;
	if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
	const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
	if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
	return groups.map((group) => parseInt(group, 16));
}
