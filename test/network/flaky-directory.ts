// A PLC directory as the worker sees it: the real one behind a proxy a test can take down (it then
// answers 503 to everything, as a directory in an outage would). The PDS keeps talking to the real one.
// `rewrite` edits what the directory says (a DID document naming the PDS at another address).
import { createServer, type Server } from 'node:http';

export class FlakyDirectory {
	/** While true, every request is answered 503. */
	down = false;

	private constructor(
		private readonly server: Server,
		readonly url: string,
	) {}

	static async start(port: number, upstream: string, rewrite: (body: string) => string = (body) => body): Promise<FlakyDirectory> {
		const server = createServer();
		const directory = new FlakyDirectory(server, `http://localhost:${port}`);
		server.on('request', (request, response) => {
			if (directory.down) return void response.writeHead(503).end('directory down');
			fetch(new URL(request.url ?? '/', upstream)).then(
				async (answer) => response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(rewrite(await answer.text())),
				() => response.writeHead(502).end(),
			);
		});
		await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
		return directory;
	}

	async close(): Promise<void> {
		await new Promise((resolve) => this.server.close(resolve));
	}
}
