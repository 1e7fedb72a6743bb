import { isDid } from '@atcute/lexicons/syntax';

/** More than this many labelers in one request are not looked at (Bluesky's clients send a handful). */
const MAX_LABELERS = 20;

/**
 * The labelers a client accepts (`atproto-accept-labelers: did:a;redact, did:b`), or undefined when
 * it names none: then every labeler this service follows applies.
 */
export function acceptedLabelers(header: string | null): Set<string> | undefined {
	if (!header) return undefined;
	const dids = header
		.split(',')
		.slice(0, MAX_LABELERS)
		.map((item) => item.split(';')[0]!.trim())
		.filter((did) => isDid(did));
	return new Set(dids);
}

/**
 * A JSON response with only the accepted labelers' labels in its views (any `labels` array of
 * labels, which carry `src`; self-labels in records are the author's and stay), and the
 * `atproto-content-labelers` header saying which of them this service applied: those it follows.
 */
export async function withAcceptedLabels(response: Response, accepted: Set<string>, followed: string[]): Promise<Response> {
	const headers = new Headers(response.headers);
	headers.set('atproto-content-labelers', followed.filter((did) => accepted.has(did)).join(','));
	if (!response.headers.get('content-type')?.startsWith('application/json')) return new Response(response.body, { status: response.status, headers });
	const body: unknown = await response.json();
	headers.delete('content-length');
	return new Response(JSON.stringify(keepAccepted(body, accepted)), { status: response.status, headers });
}

function keepAccepted(value: unknown, accepted: Set<string>): unknown {
	if (Array.isArray(value)) return value.map((item) => keepAccepted(item, accepted));
	if (typeof value !== 'object' || value === null) return value;
	const out: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(value)) {
		out[key] = key === 'labels' && Array.isArray(item) ? item.filter((label: { src?: unknown }) => typeof label?.src !== 'string' || accepted.has(label.src)) : keepAccepted(item, accepted);
	}
	return out;
}
