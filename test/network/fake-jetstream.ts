// A local stand-in for a Jetstream instance that follows its v1 `/subscribe` contract
// (../shared/CONTRACTS.md §3): JSON events, `wantedCollections` (exact or `prefix.*`), `cursor` in
// unix microseconds replaying what came after it. Tests feed it the events a real Jetstream would
// derive from the reference PDS.
import { WebSocketServer, type WebSocket } from 'ws';

export interface JetstreamEvent {
	did: string;
	time_us: number;
	kind: 'commit' | 'identity' | 'account';
	[key: string]: unknown;
}

export class FakeJetstream {
	readonly events: JetstreamEvent[] = [];
	/** The query of every subscription, to check what the client asked for. */
	readonly subscriptions: URLSearchParams[] = [];
	readonly #clients = new Map<WebSocket, string[]>();

	private constructor(private readonly server: WebSocketServer) {
		server.on('connection', (socket, request) => {
			const query = new URL(request.url ?? '/', 'ws://localhost').searchParams;
			this.subscriptions.push(query);
			const wanted = query.getAll('wantedCollections');
			this.#clients.set(socket, wanted);
			socket.on('close', () => this.#clients.delete(socket));
			const cursor = query.get('cursor');
			if (cursor !== null) {
				for (const event of this.events) if (event.time_us > Number(cursor)) this.#send(socket, wanted, event);
			}
		});
	}

	static async start(port: number): Promise<FakeJetstream> {
		const server = new WebSocketServer({ host: '127.0.0.1', port, path: '/subscribe' });
		await new Promise((resolve) => server.once('listening', resolve));
		return new FakeJetstream(server);
	}

	get url(): string {
		const address = this.server.address();
		return `ws://localhost:${typeof address === 'object' && address ? address.port : 0}`;
	}

	emit(event: Omit<JetstreamEvent, 'time_us'>): JetstreamEvent {
		const last = this.events.at(-1)?.time_us ?? 0;
		const stamped = { ...event, time_us: Math.max(Date.now() * 1000, last + 1) } as JetstreamEvent;
		this.events.push(stamped);
		for (const [socket, wanted] of this.#clients) this.#send(socket, wanted, stamped);
		return stamped;
	}

	/** Sends a frame as is, to every subscriber (e.g. one that is not JSON). */
	emitRaw(text: string): void {
		for (const socket of this.#clients.keys()) socket.send(text);
	}

	async close(): Promise<void> {
		for (const socket of this.#clients.keys()) socket.terminate();
		await new Promise((resolve) => this.server.close(resolve));
	}

	#send(socket: WebSocket, wanted: string[], event: JetstreamEvent): void {
		const collection = (event.commit as { collection?: string } | undefined)?.collection;
		const matches = !collection || wanted.length === 0 || wanted.some((w) => (w.endsWith('.*') ? collection.startsWith(w.slice(0, -1)) : w === collection));
		if (matches) socket.send(JSON.stringify(event));
	}
}
