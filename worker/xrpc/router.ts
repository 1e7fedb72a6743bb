import { XRPCRouter } from '@atcute/xrpc-server';
import type { AppContext } from '../context.ts';
import { handleException, methodNotImplemented } from './errors.ts';
import type { Method } from './method.ts';
import { getClip } from './video/dreamreel/getClip.ts';
import { getClips } from './video/dreamreel/getClips.ts';

const methods: Method[] = [getClip, getClips];

export function createXrpcRouter(ctx: AppContext): XRPCRouter {
	const router = new XRPCRouter({
		handleNotFound: methodNotImplemented,
		handleException,
		handleHealthCheck: () => Response.json({ version: ctx.config.version }),
	});
	for (const method of methods) method(router, ctx);
	return router;
}
