import { VideoDreamreelPutMutedWords } from '../../../lexicons/index.ts';
import { putMutedWords as store } from '../../../views/mutes.ts';
import type { Method } from '../../method.ts';

export const putMutedWords: Method = (router, app) =>
	router.addProcedure(VideoDreamreelPutMutedWords, {
		async handler({ input, request }) {
			const viewer = await app.auth.requireViewer(request, VideoDreamreelPutMutedWords.mainSchema.nsid);
			await store(app.db, viewer, input.words);
		},
	});
