import { json } from '@atcute/xrpc-server';
import { XRPCError } from '../../../errors.ts';
import { VideoDreamreelPutLikeness } from '../../../lexicons/index.ts';
import { isLikenessImage, MAX_LIKENESS_BYTES } from '../../../likeness/store.ts';
import { likenessView, requireLikenesses } from '../../../likeness/view.ts';
import type { Method } from '../../method.ts';

export const putLikeness: Method = (router, app) =>
	router.addProcedure(VideoDreamreelPutLikeness, {
		async handler({ request }) {
			const did = await app.auth.requireViewer(request, VideoDreamreelPutLikeness.mainSchema.nsid);
			const { store } = await requireLikenesses(app.jobs());
			const mimeType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
			const bytes = await readLimited(request, MAX_LIKENESS_BYTES);
			if (!isLikenessImage(mimeType, bytes)) throw new XRPCError({ status: 400, error: 'InvalidRequest', message: `the body is not a ${mimeType} image` });
			return json({ likeness: likenessView(await store.put(did, bytes, mimeType, new Date(app.jobs().now()))) });
		},
	});

/** The body, refused once it passes `max` bytes (a declared length is not trusted, only counted). */
async function readLimited(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
	const tooLarge = () => new XRPCError({ status: 413, error: 'LikenessTooLarge', message: `a likeness is at most ${max} bytes` });
	if (Number(request.headers.get('content-length') ?? 0) > max) throw tooLarge();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for await (const chunk of request.body!) {
		size += chunk.byteLength;
		if (size > max) throw tooLarge();
		chunks.push(chunk);
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return bytes;
}
