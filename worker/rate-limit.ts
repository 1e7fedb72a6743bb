import { XRPCError } from './errors.ts';

/** The binding's window (wrangler.toml `simple.period`): a refused client may try again after it. */
const PERIOD_SECONDS = 60;

/**
 * Requests per client address (the Workers Rate Limiting binding): reads, and calls whose tokens
 * would otherwise make us resolve any DID named in them. The address is the one
 * Cloudflare's edge puts in `cf-connecting-ip`, which clients cannot set; a request without it did
 * not come through the edge (`wrangler dev`, tests) and is not counted. A deployment without the
 * binding is not limited either, nor are the addresses it exempts (`RATE_LIMIT_EXEMPT`).
 */
export async function limitClient(request: Request, limiter: RateLimit | undefined, exempt: ReadonlySet<string> = new Set()): Promise<void> {
	const address = request.headers.get('cf-connecting-ip');
	if (!limiter || !address || exempt.has(address)) return;
	const { success } = await limiter.limit({ key: address });
	if (!success) {
		throw new XRPCError({
			status: 429,
			error: 'RateLimitExceeded',
			message: `too many requests from your address; try again in ${PERIOD_SECONDS} s`,
			headers: { 'retry-after': String(PERIOD_SECONDS) },
		});
	}
}
