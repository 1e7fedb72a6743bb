import { NotFoundError } from '../errors.ts';
import { allowedReference } from '../jobs/featured.ts';
import { JOB_ID } from '../jobs/job.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import { verifyReferenceUrl } from './reference-url.ts';
import { MAX_LIKENESS_IMAGES } from './store.ts';

/**
 * `GET /likeness/:job/:did/:n?exp&sig`: image `n` of one featured person's reference, for the provider running the job.
 * Served only if all hold at the moment of the fetch: the URL is ours and unexpired, the job has not
 * ended and was planned with this person's reference, their consent still lets the requester feature
 * them and still commits to these very bytes. Every failure is the same 404: the route tells a
 * stranger nothing, not even whether a likeness exists.
 */
export async function serveReference(request: Request, runtime: JobRuntime, job: string, did: string, index: string): Promise<Response> {
	const url = new URL(request.url);
	const kit = await runtime.likeness();
	const n = /^\d$/.test(index) ? Number(index) : MAX_LIKENESS_IMAGES;
	if (!kit || !JOB_ID.test(job) || n >= MAX_LIKENESS_IMAGES || !(await verifyReferenceUrl(kit.keys.urls, job, did, n, url, runtime.now()))) return notFound();
	const running = await runtime.job(job).featuring(did);
	if (!running) return notFound();
	if ((await allowedReference(runtime.db, running.requester, did)) !== running.cid) return notFound();
	const stored = await kit.store.read(did, n);
	if (!stored || stored.likeness.cid !== running.cid) return notFound();
	return new Response(stored.bytes, {
		headers: {
			'content-type': stored.image.mimeType,
			'content-length': String(stored.bytes.byteLength),
			// Nobody may keep a copy on the way: the URL dies with the job.
			'cache-control': 'no-store',
		},
	});
}

function notFound(): never {
	throw new NotFoundError('NotFound', 'no such reference');
}
