import { isCid } from '@atcute/lexicons/syntax';
import { posterKey } from './r2-host.ts';
import { isRestricted } from './r2-metadata.ts';

/**
 * `GET/HEAD /video/:cid/poster`: the poster the mirror copied beside the video, served only while the
 * video itself may be (its R2 object's flag, which the mirror keeps in step with the clips using it).
 * Browsers keep it an hour: a poster is small, and a restriction should not wait long.
 */
export async function servePoster(request: Request, bucket: R2Bucket, cid: string): Promise<Response> {
	if (!isCid(cid)) return error(400, 'InvalidRequest', 'not a CID');
	const video = await bucket.head(cid);
	if (!video) return error(404, 'VideoNotFound', 'no video is stored under this CID');
	if (isRestricted(video)) return error(403, 'VideoRestricted', 'this video is not publicly playable');
	const poster: R2Object | R2ObjectBody | null = request.method === 'HEAD' ? await bucket.head(posterKey(cid)) : await bucket.get(posterKey(cid));
	if (!poster) return error(404, 'PosterNotFound', 'this video has no poster here');
	const headers = {
		'content-type': poster.httpMetadata?.contentType ?? 'application/octet-stream',
		'content-length': String(poster.size),
		etag: poster.httpEtag,
		'cache-control': 'public, max-age=3600',
		'x-content-type-options': 'nosniff',
	};
	return new Response('body' in poster ? (poster as R2ObjectBody).body : null, { headers });
}

function error(status: number, name: string, message: string): Response {
	return Response.json({ error: name, message }, { status, headers: { 'cache-control': 'no-store' } });
}
