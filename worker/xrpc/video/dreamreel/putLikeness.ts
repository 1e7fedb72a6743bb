import { json } from '@atcute/xrpc-server';
import { XRPCError } from '../../../errors.ts';
import { VideoDreamreelPutLikeness } from '../../../lexicons/index.ts';
import { isLikenessImage, MAX_LIKENESS_BYTES, MAX_LIKENESS_IMAGES, type NewImage } from '../../../likeness/store.ts';
import { likenessView, requireLikenesses } from '../../../likeness/view.ts';
import type { Method } from '../../method.ts';

/** Room for the multipart framing around the largest set. */
const MAX_BODY_BYTES = MAX_LIKENESS_IMAGES * MAX_LIKENESS_BYTES + 64_000;

export const putLikeness: Method = (router, app) =>
	router.addProcedure(VideoDreamreelPutLikeness, {
		async handler({ request }) {
			const did = await app.auth.requireViewer(request, VideoDreamreelPutLikeness.mainSchema.nsid);
			const { store } = await requireLikenesses(app.jobs());
			const images = await readImages(request);
			return json({ likeness: likenessView(await store.put(did, images, new Date(app.jobs().now()))) });
		},
	});

/** The `image` parts, in order, each checked by its bytes; anything else in the body is refused. */
async function readImages(request: Request): Promise<NewImage[]> {
	const invalid = (message: string) => new XRPCError({ status: 400, error: 'InvalidRequest', message });
	const body = await readLimited(request, MAX_BODY_BYTES);
	let form: FormData;
	try {
		form = await new Response(body, { headers: { 'content-type': request.headers.get('content-type')! } }).formData();
	} catch {
		throw invalid('the body is not multipart/form-data');
	}
	const parts = [...form.entries()];
	if (parts.some(([name, value]) => name !== 'image' || typeof value === 'string')) throw invalid('the body holds only `image` files');
	if (parts.length < 1 || parts.length > MAX_LIKENESS_IMAGES) throw invalid(`a likeness is 1 to ${MAX_LIKENESS_IMAGES} images, not ${parts.length}`);
	return Promise.all(
		(parts.map(([, value]) => value) as File[]).map(async (file, n) => {
			if (file.size > MAX_LIKENESS_BYTES) throw tooLarge(`image ${n} is over ${MAX_LIKENESS_BYTES} bytes`);
			const mimeType = file.type.split(';')[0]!.trim().toLowerCase();
			const bytes = new Uint8Array(await file.arrayBuffer());
			if (!isLikenessImage(mimeType, bytes)) throw invalid(`image ${n} is not a ${mimeType || 'typed'} image`);
			return { bytes, mimeType };
		}),
	);
}

const tooLarge = (message: string) => new XRPCError({ status: 413, error: 'LikenessTooLarge', message });

/** The body, refused once it passes `max` bytes (a declared length is not trusted, only counted). */
async function readLimited(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
	const over = () => tooLarge(`a likeness upload is at most ${max} bytes`);
	if (Number(request.headers.get('content-length') ?? 0) > max) throw over();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for await (const chunk of request.body!) {
		size += chunk.byteLength;
		if (size > max) throw over();
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
