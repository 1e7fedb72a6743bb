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
