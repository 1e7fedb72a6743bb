import { XRPCError } from '@atcute/xrpc-server';
import { VideoDreamreelMuteActor } from '../../../lexicons/index.ts';
import { resolveIndexedActor } from '../../../views/actors.ts';
import { MAX_MUTES, mute } from '../../../views/mutes.ts';
import type { Method } from '../../method.ts';

export const muteActor: Method = (router, app) =>
	router.addProcedure(VideoDreamreelMuteActor, {
		async handler({ input, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelMuteActor.mainSchema.nsid);
			const subject = await resolveIndexedActor(app.db, app.identity.actors, input.actor);
			if (subject === viewer) throw new XRPCError({ status: 400, error: 'InvalidRequest', message: 'you cannot mute yourself' });
			if (!(await mute(app.db, viewer, subject))) {
				throw new XRPCError({ status: 400, error: 'TooManyMutes', message: `you have muted ${MAX_MUTES} accounts, the most this service keeps` });
			}
		},
	});
