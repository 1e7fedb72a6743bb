// A local stand-in for a relay's `com.atproto.sync.subscribeRepos`: it follows a real PDS's firehose,
// passes every frame on under its own sequence numbers (as a relay does), replays from `cursor`, and
// lets a test slip its own frames in between — forged, tampered or malformed.
import { decode, decodeFirst, encode } from '@atcute/cbor';
import { WebSocket, WebSocketServer } from 'ws';

export class FakeRelay {
	/** Every frame sent, in order; a frame's seq is its index + 1. */
	readonly frames: (Uint8Array | string)[] = [];
	readonly #clients = new Set<WebSocket>();
	#upstream: WebSocket | undefined;

	private constructor(private readonly server: WebSocketServer) {
		server.on('connection', (socket, request) => {
			const cursor = Number(new URL(request.url ?? '/', 'ws://localhost').searchParams.get('cursor') ?? 0);
			this.frames.slice(cursor).forEach((frame) => socket.send(frame));
			this.#clients.add(socket);
			socket.on('close', () => this.#clients.delete(socket));
		});
	}

	static async start(port: number): Promise<FakeRelay> {
		const server = new WebSocketServer({ host: '127.0.0.1', port, path: '/xrpc/com.atproto.sync.subscribeRepos' });
		await new Promise((resolve) => server.once('listening', resolve));
		return new FakeRelay(server);
	}

	/** Starts passing on a PDS's firehose, from its beginning. */
	async follow(pdsUrl: string): Promise<void> {
		const upstream = new WebSocket(`${pdsUrl.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos?cursor=0`);
		upstream.on('message', (data: Buffer) => this.#forward(new Uint8Array(data)));
		await new Promise((resolve, reject) => upstream.once('open', resolve).once('error', reject));
		this.#upstream = upstream;
	}

	get url(): string {
		const address = this.server.address();
		return `ws://localhost:${typeof address === 'object' && address ? address.port : 0}`;
	}

	/** The seq the next frame will carry. */
	get nextSeq(): number {
		return this.frames.length + 1;
	}

	/** Sends a frame as is (its own seq, if any, is the test's business). */
	emitRaw(frame: Uint8Array | string): void {
		this.frames.push(frame);
		for (const socket of this.#clients) socket.send(frame);
	}

	/** A PDS frame, renumbered into this relay's sequence. */
	#forward(frame: Uint8Array): void {
		const [header, rest] = decodeFirst(frame);
		const body = decode(rest) as Record<string, unknown>;
		if ('seq' in body) body.seq = this.nextSeq;
		this.emitRaw(new Uint8Array([...encode(header), ...encode(body)]));
	}

	async close(): Promise<void> {
		this.#upstream?.terminate();
		for (const socket of this.#clients) socket.terminate();
		await new Promise((resolve) => this.server.close(resolve));
	}
}
