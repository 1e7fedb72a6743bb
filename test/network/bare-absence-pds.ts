// A PDS that answers for a record it does not hold as some implementations do: with a bare
// 400 RecordNotFound, no signed proof of absence. It is the reference PDS behind a proxy that asks it
// (com.atproto.repo.getRecord) whether the record is there before passing sync.getRecord on.
import { createServer, type IncomingMessage, type Server } from 'node:http';

const GET_RECORD = '/xrpc/com.atproto.sync.getRecord';

export class BareAbsencePds {
	/** How many times sync.getRecord was answered with a bare RecordNotFound. */
	bareAnswers = 0;

	private constructor(
		private readonly server: Server,
		readonly url: string,
	) {}

	static async start(port: number, upstream: string): Promise<BareAbsencePds> {
		const server = createServer();
		const pds = new BareAbsencePds(server, `http://localhost:${port}`);
		server.on('request', (request, response) => {
			pds.#answer(request, upstream).then(
				(answer) => response.writeHead(answer.status, answer.headers).end(Buffer.from(answer.body)),
				() => response.writeHead(502).end(),
			);
		});
		await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
		return pds;
	}

	async #answer(request: IncomingMessage, upstream: string): Promise<{ status: number; headers: Record<string, string>; body: ArrayBuffer }> {
		const url = new URL(request.url ?? '/', upstream);
		if (url.pathname === GET_RECORD && !(await this.#holds(url))) {
			this.bareAnswers++;
			return { status: 400, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{"error":"RecordNotFound","message":"Could not locate record"}').buffer };
		}
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
		const headers = Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) => (name === 'host' || typeof value !== 'string' ? [] : [[name, value]])));
		const answer = await fetch(url, { method: request.method, headers, body, redirect: 'manual' });
		const kept = ['content-type', 'location'].flatMap((name) => (answer.headers.has(name) ? [[name, answer.headers.get(name)!]] : []));
		return { status: answer.status, headers: Object.fromEntries(kept), body: await answer.arrayBuffer() };
	}

	/** Whether the reference PDS holds the record sync.getRecord asks for. */
	async #holds(url: URL): Promise<boolean> {
		const asked = new URL('/xrpc/com.atproto.repo.getRecord', url);
		asked.search = new URLSearchParams({ repo: url.searchParams.get('did') ?? '', collection: url.searchParams.get('collection') ?? '', rkey: url.searchParams.get('rkey') ?? '' }).toString();
		const answer = await fetch(asked);
		await answer.arrayBuffer();
		return answer.ok;
	}

	async close(): Promise<void> {
		await new Promise((resolve) => this.server.close(resolve));
	}
}
