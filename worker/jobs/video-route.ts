import { NotFoundError } from '../errors.ts';
import { parseRange, resolveRange } from '../video/range.ts';
import { JOB_ID, outputKey, SECRET } from './job.ts';

/**
 * `GET/HEAD /jobs/:id/video/:secret.mp4`: a finished job's video, for its requester to preview and
 * upload to their PDS. The URL is the credential (128 random bits, given only in the requester's
 * jobView), so `<video src>` and a plain fetch work without headers; single byte ranges for players.
 */
export async function jobVideo(request: Request, bucket: R2Bucket, id: string, file: string): Promise<Response> {
	const secret = file.endsWith('.mp4') ? file.slice(0, -'.mp4'.length) : '';
	if (!JOB_ID.test(id) || !SECRET.test(secret)) return notFound();
	const key = outputKey(id, secret);
	const head = await bucket.head(key);
	if (!head) return notFound();
	const range = resolveRange(parseRange(request.headers.get('range')), head.size);
	const headers = new Headers({
		'content-type': head.httpMetadata?.contentType ?? 'video/mp4',
		'accept-ranges': 'bytes',
		etag: head.httpEtag,
		// Private: the URL is a capability, not for shared caches.
		'cache-control': 'private, max-age=3600',
		// Other AT-Proto clients, on their own origins, publish from this URL too.
		'access-control-allow-origin': '*',
	});
	if (range.kind === 'unsatisfiable') {
		headers.set('content-range', `bytes */${head.size}`);
		return new Response(null, { status: 416, headers });
	}
	const partial = range.kind === 'partial';
	const length = partial ? range.end - range.start + 1 : head.size;
	headers.set('content-length', String(length));
	if (partial) headers.set('content-range', `bytes ${range.start}-${range.end}/${head.size}`);
	const status = partial ? 206 : 200;
	if (request.method === 'HEAD') return new Response(null, { status, headers });
	const object = await bucket.get(key, partial ? { range: { offset: range.start, length } } : {});
	if (!object) return notFound();
	return new Response(object.body, { status, headers });
}

function notFound(): never {
	throw new NotFoundError('NotFound', 'no such video');
}
