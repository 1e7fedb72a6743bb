import type { AppContext } from '../context.ts';
import { NotFoundError, XRPCError } from '../errors.ts';
import { VideoDreamreelGetJob } from '../lexicons/index.ts';
import { JOB_ID } from './job.ts';

/**
 * `GET /jobs/:id/events`: the job's progress over a WebSocket, one `{ "job": jobView }` message per
 * change, closed once the job has ended. Browsers cannot set headers on a WebSocket, so the
 * credential may come as `?token=`: the same service JWT `getJob` takes (lxm
 * `video.dreamreel.getJob`, audience this service), minted by the user's PDS. It is checked once,
 * at the upgrade; other clients may send it as `Authorization: Bearer` instead.
 */
export async function jobEvents(request: Request, app: AppContext, id: string): Promise<Response> {
	if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
		throw new XRPCError({ status: 426, error: 'InvalidRequest', message: 'expected a WebSocket upgrade', headers: { upgrade: 'websocket' } });
	}
	const token = new URL(request.url).searchParams.get('token');
	const authorization = token ? `Bearer ${token}` : request.headers.get('authorization');
	// The verifier reads the Authorization header, so the token is put there for it.
	const requester = await app.auth.requireViewer(new Request(request.url, { headers: authorization ? { authorization } : {} }), VideoDreamreelGetJob.mainSchema.nsid);
	if (!JOB_ID.test(id)) throw new NotFoundError('JobNotFound', `you have no job ${id}`);
	// The object trusts `requester` because only this route can reach it, and it builds the URL itself.
	const internal = new URL('https://job.internal/events');
	internal.searchParams.set('requester', requester);
	return app.jobs().job(id).fetch(new Request(internal, { headers: request.headers }));
}
