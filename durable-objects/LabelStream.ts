import { DurableObject } from 'cloudflare:workers';
import { encode } from '@atcute/cbor';
import { signedLabel, type OwnLabelRow } from '../worker/moderation/own-labels.ts';
import { readConfig } from '../worker/config.ts';
import { indexDatabase } from '../worker/db/index-database.ts';

/** Labels sent per read of D1 while a subscriber catches up. */
const PAGE = 500;

interface Attachment {
	/** The last seq this subscriber was sent. */
	cursor: number;
}

/**
 * This service's own `com.atproto.label.subscribeLabels`: one object holds every subscriber's socket
 * (hibernatable, each with the seq it has reached), replays our labels from a subscriber's cursor,
 * and sends new ones when the cron issues them (`publish`).
 */
export class LabelStream extends DurableObject<Env> {
	readonly #src: string;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#src = readConfig(env).serviceDid;
	}

	override async fetch(request: Request): Promise<Response> {
		if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
			return Response.json({ error: 'InvalidRequest', message: 'subscribeLabels is a WebSocket' }, { status: 426 });
		}
		const param = new URL(request.url).searchParams.get('cursor');
		const cursor = param === null ? undefined : Number(param);
		const { 0: client, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server);
		const latest = await this.#latest();
		if (cursor !== undefined && (!Number.isSafeInteger(cursor) || cursor < 0 || cursor > latest)) {
			server.send(frame({ op: -1 }, { error: 'FutureCursor', message: `the latest seq is ${latest}` }));
			server.close(1008, 'FutureCursor');
		} else {
			// Without a cursor only new labels are sent, as the spec has it.
			server.serializeAttachment({ cursor: cursor ?? latest } satisfies Attachment);
			await this.#catchUp(server);
		}
		return new Response(null, { status: 101, webSocket: client });
	}

	/** Sends every subscriber what it has not had yet. */
	async publish(): Promise<void> {
		await Promise.all(this.ctx.getWebSockets().map((socket) => this.#catchUp(socket)));
	}

	override webSocketMessage(): void {
		// Subscribers have nothing to say; what they send is ignored.
	}

	override webSocketClose(socket: WebSocket, code: number): void {
		socket.close(code === 1005 ? 1000 : code, 'bye');
	}

	async #catchUp(socket: WebSocket): Promise<void> {
		for (;;) {
			const { cursor } = socket.deserializeAttachment() as Attachment;
			const { results } = await indexDatabase(this.env).prepare('SELECT seq, uri, cid, val, neg, cts, sig FROM own_labels WHERE seq > ?1 ORDER BY seq LIMIT ?2')
				.bind(cursor, PAGE)
				.all<OwnLabelRow>();
			if (socket.readyState !== WebSocket.OPEN) return;
			for (const row of results) socket.send(frame({ op: 1, t: '#labels' }, { seq: row.seq, labels: [signedLabel(this.#src, row)] }));
			const last = results.at(-1);
			if (last) socket.serializeAttachment({ cursor: last.seq } satisfies Attachment);
			if (results.length < PAGE) return;
		}
	}

	async #latest(): Promise<number> {
		const row = await indexDatabase(this.env).prepare('SELECT MAX(seq) AS seq FROM own_labels').first<{ seq: number | null }>();
		return row?.seq ?? 0;
	}
}

/** An event-stream frame: a DAG-CBOR header and a DAG-CBOR body, back to back. */
function frame(header: object, body: object): Uint8Array {
	const [head, rest] = [encode(header), encode(body)];
	const out = new Uint8Array(head.length + rest.length);
	out.set(head);
	out.set(rest, head.length);
	return out;
}
