import { XRPCError } from '@atcute/xrpc-server';

/**
 * Every error a client sees is an XRPC error, `{ "error", "message" }` with its status, whether it
 * comes from an XRPC method or another route (webhooks, job events, videos): routes throw
 * `XRPCError`, and `errorResponse` is the one place it becomes a response.
 */
export { XRPCError };

/** A record or account named by a well-formed identifier that the index does not hold (or hides). */
export class NotFoundError extends XRPCError {
	constructor(error: string, message: string) {
		super({ status: 404, error, message });
	}
}

/** Expected errors carry their own response; anything else is a bug: logged, and answered without details. */
export function errorResponse(error: unknown, request: Request): Response {
	if (error instanceof XRPCError) return error.toResponse();
	console.error('request failed', request.method, new URL(request.url).pathname, error);
	return new XRPCError({ status: 500, error: 'InternalServerError', message: 'internal server error' }).toResponse();
}

/**
 * XRPC error bodies are exactly `{error, message}`, as the reference server sends them. The XRPC
 * router adds its own key to validation errors (the list of issues, already summed up in `message`);
 * other keys would be new API surface, so they are dropped. Status and headers (WWW-Authenticate,
 * Retry-After) are kept.
 */
export async function conventionalError(response: Response): Promise<Response> {
	if (response.status < 400 || !response.headers.get('content-type')?.startsWith('application/json')) return response;
	const body: unknown = await response.clone().json().catch(() => undefined);
	if (typeof body !== 'object' || body === null || !('error' in body)) return response;
	const { error, message } = body as { error: unknown; message?: unknown };
	if (Object.keys(body).every((key) => key === 'error' || key === 'message')) return response;
	const headers = new Headers(response.headers);
	headers.delete('content-length');
	return Response.json({ error, ...(message === undefined ? {} : { message }) }, { status: response.status, headers });
}
