import { DurableObject } from 'cloudflare:workers';
import type { FoundPublicKey } from '@atcute/crypto';
import type { Did } from '@atcute/lexicons';
import type { Mirror } from './Mirror.ts';
import { migrate } from './migrate.ts';
import { readConfig } from '../worker/config.ts';
import { createIdentity, type Identity } from '../worker/identity/index.ts';
import { decodeLabelFrame, labelerOf, labelStatements, verifyLabel, type Label } from '../worker/moderation/labels.ts';
import { classifyHost } from '../worker/special-addresses.ts';
import { indexDatabase } from '../worker/db/index-database.ts';

/** Re-armed this often: an object holding only an outbound socket is otherwise evicted. */
const HEARTBEAT_MS = 10_000;
const MAX_BACKOFF_MS = 60_000;
const KEY_REFRESH_MS = 60_000;

export interface LabelerStatus {
	did: string | null;
	connected: boolean;
	cursor: number | null;
	applied: number;
	/** Labels refused: not the labeler's own, or a signature that does not verify with its key. */
	refused: number;
	lastError: string | null;
}

/** Numbered: append, never edit (see ./migrate.ts). */
const SCHEMA = [`CREATE TABLE state (key TEXT PRIMARY KEY, value)`];

/**
 * One labeler's stream (`com.atproto.label.subscribeLabels`), one object per labeler DID: every
 * label is checked to be the labeler's own and signed with its `#atproto_label` key, then stored in
 * D1; the cursor is saved after each frame, so a restart resumes where it stopped. Labels change
 * what may be shown, so the videos of labelled clips and accounts are re-checked.
 */
export class Labeler extends DurableObject<Env> {
	readonly #identity: Identity;
	readonly #allowLoopback: boolean;
	/** The labelers the deployment follows now: one dropped from LABELERS stops here. */
	readonly #followed: ReadonlySet<string>;
	readonly #mirror: () => DurableObjectStub<Mirror>;
	#socket: WebSocket | undefined;
	#key: FoundPublicKey | undefined;
	/** Frames are handled one at a time, in order. */
	#chain: Promise<void> = Promise.resolve();
	#failures = 0;
	#reconnectAt = 0;
	#keyRefreshedAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const config = readConfig(env);
		this.#identity = createIdentity(config, indexDatabase(env));
		this.#allowLoopback = config.allowLoopbackFetch;
		this.#followed = new Set(config.labelers);
		this.#mirror = () => env.MIRROR.getByName('videos');
		ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql, SCHEMA));
	}

	/** Starts (or keeps) following the labeler `did`; safe to call any number of times. */
	async start(did: string): Promise<LabelerStatus> {
		this.#set('did', did);
		if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_MS);
		await this.#connect();
		return this.status();
	}

	status(): LabelerStatus {
		return {
			did: this.#get<string>('did') ?? null,
			connected: this.#socket?.readyState === WebSocket.OPEN,
			cursor: this.#get<number>('cursor') ?? null,
			applied: this.#get<number>('applied') ?? 0,
			refused: this.#get<number>('refused') ?? 0,
			lastError: this.#get<string>('lastError') ?? null,
		};
	}

	override async alarm(): Promise<void> {
		if (!this.#followed.has(this.#get<string>('did') ?? '')) {
			this.#socket?.close(1000, 'no longer followed');
			this.#socket = undefined;
			return;
		}
		await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_MS);
		if (!this.#socket && Date.now() >= this.#reconnectAt) await this.#connect();
	}

	async #connect(): Promise<void> {
		const did = this.#get<string>('did');
		if (this.#socket || !did) return;
		try {
			const { endpoint, key } = labelerOf(await this.#identity.dids.resolve(did as Did));
			const url = new URL('/xrpc/com.atproto.label.subscribeLabels', endpoint);
			if (!this.#allowLoopback && classifyHost(url.hostname) !== 'public') throw new Error(`refusing the labeler endpoint ${url.origin}`);
			url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
			const cursor = this.#get<number>('cursor');
			if (cursor !== undefined) url.searchParams.set('cursor', String(cursor));
			this.#key = key;
			const socket = new WebSocket(url.href);
			socket.binaryType = 'arraybuffer';
			socket.addEventListener('message', (event) => {
				this.#chain = this.#chain.then(() => this.#receive(socket, new Uint8Array(event.data as ArrayBuffer)));
			});
			socket.addEventListener('close', (event) => this.#disconnected(socket, `closed ${event.code} ${event.reason}`));
			socket.addEventListener('error', () => this.#disconnected(socket, 'socket error'));
			this.#socket = socket;
		} catch (error) {
			this.#backOff(error instanceof Error ? error.message : String(error));
		}
	}

	async #receive(socket: WebSocket, data: Uint8Array): Promise<void> {
		if (this.#socket !== socket) return;
		try {
			const frame = decodeLabelFrame(data);
			if (frame?.kind === 'error') throw new Error(`the labeler says ${frame.error}`);
			if (frame) await this.#apply(frame.seq, frame.labels);
			this.#failures = 0;
		} catch (error) {
			socket.close(1011, 'bad frame');
			this.#disconnected(socket, error instanceof Error ? error.message : String(error));
		}
	}

	async #apply(seq: number, labels: Label[]): Promise<void> {
		const did = this.#get<string>('did');
		const accepted: Label[] = [];
		for (const label of labels) {
			if (label.src === did && (await this.#verified(label))) accepted.push(label);
		}
		const db = indexDatabase(this.env);
		if (accepted.length > 0) await db.batch(labelStatements(db, accepted));
		this.#set('cursor', seq);
		this.#set('applied', (this.#get<number>('applied') ?? 0) + accepted.length);
		this.#set('refused', (this.#get<number>('refused') ?? 0) + labels.length - accepted.length);
		const subjects = accepted.map((label) => label.uri);
		if (subjects.length > 0) await this.#mirror().recheck(subjects.filter((uri) => uri.startsWith('did:')), subjects.filter((uri) => uri.startsWith('at://')));
	}

	/**
	 * A signature that fails is checked once more against a freshly resolved key, as the labeler may
	 * have rotated it; at most once a minute, so forged labels cannot make us resolve on every one.
	 */
	async #verified(label: Label): Promise<boolean> {
		if (this.#key && (await verifyLabel(label, this.#key))) return true;
		if (Date.now() - this.#keyRefreshedAt < KEY_REFRESH_MS) return false;
		this.#keyRefreshedAt = Date.now();
		const fresh = labelerOf(await this.#identity.dids.resolve(label.src, { noCache: true })).key;
		this.#key = fresh;
		return verifyLabel(label, fresh);
	}

	#disconnected(socket: WebSocket, reason: string): void {
		if (this.#socket !== socket) return;
		this.#socket = undefined;
		this.#backOff(reason);
	}

	#backOff(reason: string): void {
		this.#failures += 1;
		this.#reconnectAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.#failures);
		this.#set('lastError', reason.slice(0, 500));
	}

	#get<T extends SqlStorageValue>(key: string): T | undefined {
		return this.ctx.storage.sql.exec<{ value: T }>('SELECT value FROM state WHERE key = ?', key).toArray()[0]?.value;
	}

	#set(key: string, value: SqlStorageValue): void {
		this.ctx.storage.sql.exec('INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)', key, value);
	}
}
