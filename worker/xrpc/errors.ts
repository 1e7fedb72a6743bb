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
