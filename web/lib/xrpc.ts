/** A failed XRPC call, with the method's declared error name (`ExpiredToken`, `ClipNotFound`…). */
export class XrpcError extends Error {
	override readonly name = 'XrpcError';
	constructor(
		readonly status: number,
		readonly error: string,
		message: string,
	) {
		super(message);
	}
}

export type Params = Record<string, string | number | boolean | string[] | undefined>;

export interface CallOptions {
	params?: Params;
	/** JSON for procedures; a Blob is sent as-is (uploadBlob). */
	input?: unknown;
	headers?: Record<string, string>;
	signal?: AbortSignal;
}

/** How a request is sent: plain `fetch`, or an OAuth session's (DPoP proofs, token refresh). */
export type Fetcher = (url: URL, init: RequestInit) => Promise<Response>;

/** One XRPC call against `base` (a PDS or the AppView): GET for queries, POST for procedures. */
export async function xrpc<T>(base: string, method: 'GET' | 'POST', nsid: string, options: CallOptions = {}, send: Fetcher = fetch): Promise<T> {
	const url = new URL(`/xrpc/${nsid}`, base);
	for (const [key, value] of Object.entries(options.params ?? {})) {
		if (value === undefined) continue;
		for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
	}
	const headers = new Headers(options.headers);
	let body: BodyInit | undefined;
	if (options.input instanceof Blob) {
		body = options.input;
		if (!headers.has('content-type')) headers.set('content-type', options.input.type || 'application/octet-stream');
	} else if (options.input !== undefined) {
		body = JSON.stringify(options.input);
		headers.set('content-type', 'application/json');
	}
	let response: Response;
	try {
		response = await send(url, { method, headers, body, signal: options.signal });
	} catch (error) {
		if (error instanceof DOMException && error.name === 'AbortError') throw error;
		throw new XrpcError(0, 'NetworkError', `could not reach ${url.host}`);
	}
	const text = await response.text();
	const data = text ? parseJson(text) : undefined;
	if (!response.ok) {
		const failure = (data ?? {}) as { error?: unknown; message?: unknown };
		const error = typeof failure.error === 'string' ? failure.error : `HTTP${response.status}`;
		const message = typeof failure.message === 'string' ? failure.message : `${nsid} failed with ${response.status}`;
		throw new XrpcError(response.status, error, message);
	}
	return data as T;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
