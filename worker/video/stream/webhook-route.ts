import type { AppContext } from '../../context.ts';
import { XRPCError } from '../../errors.ts';
import { readVideoConfig } from '../index.ts';
import { verifyStreamWebhook } from './webhook.ts';

/** Deliveries older than 5 minutes are refused as stale; remembering them twice as long covers skew. */
const DELIVERY_MEMORY_SECONDS = 600;

/**
 * `POST /webhooks/stream`: Stream says a video finished processing. Nothing in the body is trusted
 * before the signature checks out, and even then it only nudges the mirror queue, which asks Stream
 * for the video's state itself.
 */
export async function streamWebhook(request: Request, env: Env, app: Pick<AppContext, 'db' | 'mirror'>): Promise<Response> {
	const secret = readVideoConfig(env).STREAM_WEBHOOK_SECRET;
	if (!secret) throw new XRPCError({ status: 501, error: 'MethodNotImplemented', message: 'Stream webhooks are not configured' });
	const verified = await verifyStreamWebhook(request.headers.get('webhook-signature'), await request.arrayBuffer(), secret, Math.floor(Date.now() / 1000));
	if (!verified.ok) throw new XRPCError({ status: 401, error: 'InvalidSignature', message: verified.reason });
	// Stream names no delivery id; its signature (over time and body) is one. A replay is acknowledged, not acted on.
	const signature = request.headers.get('webhook-signature')!;
	if (!(await env.GENERATION_QUOTA.getByName('webhooks:stream').claimNonce(signature, DELIVERY_MEMORY_SECONDS))) return new Response(null, { status: 204 });
	const row = await app.db.prepare('SELECT cid FROM videos WHERE ref = ?1').bind(verified.video.uid).first<{ cid: string }>();
	if (row) await app.mirror().enqueue([row.cid], { retry: true });
	return new Response(null, { status: 204 });
}
