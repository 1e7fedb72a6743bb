import { isDid } from '@atcute/lexicons/syntax';
import { VideoDreamreelUnmuteActor } from '../../../lexicons/index.ts';
import { resolveIndexedActor } from '../../../views/actors.ts';
import { unmute } from '../../../views/mutes.ts';
import type { Method } from '../../method.ts';

/** A DID is unmuted as given, so that an account gone from the index can still be unmuted. */
export const unmuteActor: Method = (router, app) =>
	router.addProcedure(VideoDreamreelUnmuteActor, {
		async handler({ input, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelUnmuteActor.mainSchema.nsid);
			const subject = isDid(input.actor) ? input.actor : await resolveIndexedActor(app.db, app.identity.actors, input.actor);
			await unmute(app.db, viewer, subject);
		},
	});
