import type { XRPCRouter } from '@atcute/xrpc-server';
import type { AppContext } from '../context.ts';

/** One XRPC method: registers its handler, with the context it needs, on the router. */
export type Method = (router: XRPCRouter, app: AppContext) => void;
