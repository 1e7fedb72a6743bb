import { XRPCError } from '@atcute/xrpc-server';

/** A record named by a well-formed URI that the index does not hold (or hides). */
export class NotFoundError extends XRPCError {
	constructor(error: string, message: string) {
		super({ status: 404, error, message });
	}
}

/** Unknown methods answer 501, as the XRPC spec asks, rather than a bare 404. */
export function methodNotImplemented(request: Request): Response {
	const nsid = new URL(request.url).pathname.slice('/xrpc/'.length);
	return Response.json(
		{ error: 'MethodNotImplemented', message: `method not implemented: ${nsid}` },
		{ status: 501 },
	);
}

/** Expected errors carry their own response; anything else is a bug: logged, and answered without details. */
export function handleException(error: unknown, request: Request): Response {
	if (error instanceof XRPCError) return error.toResponse();
	if (error instanceof Response) return error;
	console.error('xrpc handler failed', new URL(request.url).pathname, error);
	return Response.json({ error: 'InternalServerError', message: 'internal server error' }, { status: 500 });
}

/**
 * XRPC error bodies are exactly `{error, message}`, as the reference server sends them. The router
 * adds its own key to validation errors (the list of issues, already summed up in `message`); other
 * keys would be new API surface, so they are dropped. Status and headers (WWW-Authenticate,
 * Retry-After) are kept.
 */
export async function conventionalError(response: Response): Promise<Response> {
	if (response.status < 400 || !response.headers.get('content-type')?.startsWith('application/json')) return response;
	const body: unknown = await response.clone().json().catch(() => undefined);
	if (typeof body !== 'object' || body === null || !('error' in body)) return response;
	const { error, message } = body as { error: unknown; message?: unknown };
	const extra = Object.keys(body).some((key) => key !== 'error' && key !== 'message');
	if (!extra) return response;
	const headers = new Headers(response.headers);
	headers.delete('content-length');
	return Response.json({ error, ...(message === undefined ? {} : { message }) }, { status: response.status, headers });
}
