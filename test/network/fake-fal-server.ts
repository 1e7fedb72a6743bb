// A fal.ai queue API on a local port for the real worker to call (shared/CONTRACTS.md §2c): submit,
// status, result, cancel, and the output file. Like a real provider, it fetches the reference images
// it is given while it takes the request, and records what each URL answered.
import { createServer, type Server } from 'node:http';
import { rawCid } from '../../worker/likeness/cid.ts';
import { readSampleVideo } from '../../scripts/sample-video.ts';

export interface FetchedReference {
	url: string;
	status: number;
	/** The CID of the bytes, when the fetch succeeded. */
	cid?: string;
}

export interface FakeFal {
	url: string;
	key: string;
	/** Every submit's model id and input, in order. */
	submits: { modelId: string; input: Record<string, unknown> }[];
	fetched: FetchedReference[];
	close(): Promise<void>;
}

export async function startFakeFal(port: number): Promise<FakeFal> {
	const origin = `http://localhost:${port}`;
	const key = 'fal-network-test-key';
	const video = await readSampleVideo('gradients');
	const fake: FakeFal = { url: origin, key, submits: [], fetched: [], close: () => new Promise((resolve) => server.close(() => resolve())) };
	let next = 0;
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			void (async () => {
				const path = new URL(req.url ?? '/', origin).pathname;
				const json = (body: unknown, status = 200) => {
					res.writeHead(status, { 'content-type': 'application/json' });
					res.end(JSON.stringify(body));
				};
				if (req.method === 'GET' && path.startsWith('/files/')) {
					res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(video.byteLength) });
					return res.end(video);
				}
				if (req.headers.authorization !== `Key ${key}`) return json({ detail: 'Unauthorized' }, 401);
				if (req.method === 'POST') {
					const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
					fake.submits.push({ modelId: path.slice(1), input });
					for (const url of (input.image_urls as string[] | undefined) ?? []) fake.fetched.push(await fetchReference(url));
					const request = `${origin}/${path.split('/').slice(1, 3).join('/')}/requests/r${++next}`;
					return json({ request_id: `r${next}`, response_url: request, status_url: `${request}/status`, cancel_url: `${request}/cancel` });
				}
				const route = /\/requests\/(r\d+)(\/status|\/cancel)?$/.exec(path);
				if (!route) return json({ detail: 'Request not found' }, 404);
				if (route[2] === '/status') return json({ status: 'COMPLETED' });
				if (route[2] === '/cancel') return json({ status: 'ALREADY_COMPLETED' }, 400);
				return json({ video: { url: `${origin}/files/${route[1]}.mp4`, content_type: 'video/mp4' } });
			})();
		});
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return fake;
}

export async function fetchReference(url: string): Promise<FetchedReference> {
	const response = await fetch(url);
	const bytes = new Uint8Array(await response.arrayBuffer());
	return { url, status: response.status, ...(response.ok ? { cid: await rawCid(bytes) } : {}) };
}
