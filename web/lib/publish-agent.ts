import type { StrongRef } from '../../worker/nsid.ts';
import type { PublishAgent } from './publish.ts';
import type { Session } from './session.ts';

/** The two repo calls `publishJob` needs, made through our session (its tokens, its refresh). */
export function publishAgent(session: Session): PublishAgent {
	return {
		did: session.did,
		async uploadBlob(data, opts) {
			const input = new Blob([data as Uint8Array<ArrayBuffer>], { type: opts?.encoding ?? 'application/octet-stream' });
			return { data: await session.call<{ blob: unknown }>('POST', 'com.atproto.repo.uploadBlob', { input }) };
		},
		com: {
			atproto: {
				repo: {
					createRecord: async (input) => ({ data: await session.call<StrongRef>('POST', 'com.atproto.repo.createRecord', { input }) }),
				},
			},
		},
	};
}
