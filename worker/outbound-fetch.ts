import { classifyHost } from './special-addresses.ts';

/** Redirects followed for a fetch, each hop checked like the first. */
const MAX_REDIRECTS = 3;

/**
 * fetch for URLs that come from the network (DID documents, PDS endpoints, blob URLs). Production
 * refuses loopback and every special-purpose address (worker/special-addresses.ts), at every
 * redirect hop; the local network (ALLOW_LOOPBACK_FETCH) may reach loopback, and there `https://localhost…` is fetched over plain
 * HTTP, as did:web URLs always say https.
 */
export function outboundFetch(allowLoopback: boolean, send: typeof fetch = fetch): typeof fetch {
	const guard = (url: URL): URL => {
		const kind = classifyHost(url.hostname);
		if (kind === 'loopback') {
			if (!allowLoopback) throw new TypeError(`refusing to fetch a loopback address: ${url.host}`);
			url.protocol = 'http:';
		} else if (kind === 'special') {
			throw new TypeError(`refusing to fetch a special-purpose address: ${url.host}`);
		}
		return url;
	};
	return async (input, init) => {
		// workerd rejects some `cache` modes that resolvers pass; caching is ours to do.
		const { cache: _, redirect, ...rest } = init ?? {};
		let url = guard(new URL(input instanceof Request ? input.url : input.toString()));
		for (let hop = 0; ; hop++) {
			const response = await send(url, { ...rest, redirect: 'manual' });
			const location = response.headers.get('location');
			if (redirect === 'manual' || response.status < 300 || response.status >= 400 || !location) return response;
			if (hop >= MAX_REDIRECTS) throw new TypeError(`too many redirects from ${url.host}`);
			url = guard(new URL(location, url));
		}
	};
}
