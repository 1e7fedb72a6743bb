/**
 * The replay: frames decoded one by one as the Ingester decodes socket messages, the events applied
 * in batches of 500 as the Ingester applies them, every phase timed.
 */
import type { ApplyResult } from '../../worker/ingest/apply.ts';
import type { NetworkEvent } from '../../worker/ingest/events.ts';
import { isIndexed } from '../../worker/ingest/records.ts';
import { sourceFor } from '../../worker/ingest/source.ts';
import type { ExpectedIndex } from './stream.worker.ts';

/** As `durable-objects/Ingester.ts`: events per `applyEvents` call. */
export const BATCH_SIZE = 500;

export type Apply = (db: D1Database, events: NetworkEvent[]) => Promise<ApplyResult>;

export interface BatchTiming {
	events: number;
	/** Decoding (and filtering) the batch's frames. */
	decodeMs: number;
	/** The whole apply call. */
	applyMs: number;
	/** Its index lookups (concurrent ones counted from first start to last end). */
	lookupMs: number;
	/** Its `db.batch` write. */
	writeMs: number;
	statements: number;
	/** Accounts the batch brought into the index. */
	discovered: number;
}

export interface Replay {
	wallMs: number;
	/** CPU time workerd spent during the replay, when the host can tell. */
	cpuMs: number | null;
	batches: BatchTiming[];
	totals: { applied: number; rejected: number; stale: number; discovered: number; refresh: number };
	decodedEvents: number;
	undecodable: string[];
	/** Record ops that passed the decoder's collection filter (deletes included). */
	indexedOps: number;
	/** Every create/update that passed the filter, as decoded: what validation may see. */
	records: { collection: string; record: unknown }[];
	/** `console.warn` calls during the replay (one per rejected record). */
	warnings: number;
}

const newTiming = (): BatchTiming => ({ events: 0, decodeMs: 0, applyMs: 0, lookupMs: 0, writeMs: 0, statements: 0, discovered: 0 });

/**
 * A D1 binding that times what an apply awaits: the `SELECT` lookups and the `batch` write. Write
 * statements pass through untouched, so `batch` receives the real prepared statements.
 */
function timedDb(db: D1Database, current: () => BatchTiming): D1Database {
	let owner: BatchTiming | undefined;
	let lookupStart = 0;
	const timedLookup = (statement: D1PreparedStatement) => ({
		bind: (...values: unknown[]) => {
			const bound = statement.bind(...values);
			return {
				all: async <T>() => {
					const timing = current();
					if (owner !== timing) {
						owner = timing;
						lookupStart = performance.now();
					}
					try {
						return await bound.all<T>();
					} finally {
						timing.lookupMs = performance.now() - lookupStart;
					}
				},
			};
		},
	});
	return {
		prepare(sql: string) {
			const statement = db.prepare(sql);
			return /^\s*SELECT/i.test(sql) ? (timedLookup(statement) as unknown as D1PreparedStatement) : statement;
		},
		async batch(statements: D1PreparedStatement[]) {
			const timing = current();
			const start = performance.now();
			try {
				return await db.batch(statements);
			} finally {
				timing.writeMs += performance.now() - start;
				timing.statements += statements.length;
			}
		},
	} as unknown as D1Database;
}

/**
 * Replays `frames` through `apply`. `cpuSeconds`, when given, reads workerd's CPU time from the host
 * (see `vitest.config.ts`), before and after.
 */
export async function replay(
	frames: Uint8Array[],
	apply: Apply,
	d1: D1Database,
	cpuSeconds: () => Promise<number | null> = async () => null,
): Promise<Replay> {
	const source = sourceFor('wss://relay.invalid');
	const out: Replay = {
		wallMs: 0,
		cpuMs: null,
		batches: [],
		totals: { applied: 0, rejected: 0, stale: 0, discovered: 0, refresh: 0 },
		decodedEvents: 0,
		undecodable: [],
		indexedOps: 0,
		records: [],
		warnings: 0,
	};
	let timing = newTiming();
	const db = timedDb(d1, () => timing);
	let queue: NetworkEvent[] = [];

	const flush = async (decodeStart: number) => {
		timing.decodeMs = performance.now() - decodeStart;
		timing.events = queue.length;
		for (const event of queue) {
			if (event.kind !== 'commit') continue;
			out.indexedOps += event.ops.length;
			for (const op of event.ops) if (op.action !== 'delete' && isIndexed(op.collection)) out.records.push(op);
		}
		const applyStart = performance.now();
		const result = await apply(db, queue);
		timing.applyMs = performance.now() - applyStart;
		timing.discovered = result.discovered.length;
		out.batches.push(timing);
		out.totals.applied += result.applied;
		out.totals.rejected += result.rejected;
		out.totals.stale += result.stale;
		out.totals.discovered += result.discovered.length;
		out.totals.refresh += result.refresh.length;
		queue = [];
		timing = newTiming();
	};

	// Rejected-record warnings are counted, not printed: the test runner's console forwarding to
	// Node would otherwise be part of the measurement.
	const warn = console.warn;
	console.warn = () => void out.warnings++;
	const cpuStart = await cpuSeconds();
	const start = performance.now();
	try {
		let decodeStart = start;
		for (const frame of frames) {
			const decoded = source.decode(frame.buffer as ArrayBuffer);
			if ('events' in decoded) {
				queue.push(...decoded.events);
				out.decodedEvents += decoded.events.length;
			} else {
				out.undecodable.push('fatal' in decoded ? decoded.fatal : decoded.rejected);
			}
			if (queue.length >= BATCH_SIZE) {
				await flush(decodeStart);
				decodeStart = performance.now();
			}
		}
		if (queue.length > 0) await flush(decodeStart);
	} finally {
		console.warn = warn;
	}
	out.wallMs = performance.now() - start;
	const cpuEnd = await cpuSeconds();
	if (cpuStart !== null && cpuEnd !== null) out.cpuMs = (cpuEnd - cpuStart) * 1000;
	return out;
}

/** The index's row counts, named as the generator's model names them; null for a table the schema lacks. */
export async function countRows(db: D1Database): Promise<Record<keyof ExpectedIndex, number | null>> {
	const { results } = await db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").all<{ name: string }>();
	const tables = new Set(results.map((row) => row.name));
	const n = async (sql: string) => {
		const table = /FROM (\w+)/.exec(sql)![1]!;
		return tables.has(table) ? (await db.prepare(sql).first<{ n: number }>())!.n : null;
	};
	return {
		actors: await n('SELECT COUNT(*) AS n FROM actors'),
		inactiveActors: await n('SELECT COUNT(*) AS n FROM actors WHERE active = 0'),
		follows: await n('SELECT COUNT(*) AS n FROM follows'),
		clips: await n('SELECT COUNT(*) AS n FROM clips WHERE is_remix = 0'),
		remixes: await n('SELECT COUNT(*) AS n FROM clips WHERE is_remix = 1'),
		// Deleted clips keep their cameos in their tombstones: count those of live clips.
		cameos: await n('SELECT COUNT(*) AS n FROM cameos WHERE clip_uri IN (SELECT uri FROM clips)'),
		consents: await n('SELECT COUNT(*) AS n FROM consents'),
		likes: await n('SELECT COUNT(*) AS n FROM likes'),
		comments: await n('SELECT COUNT(*) AS n FROM comments'),
		crossposts: await n('SELECT COUNT(*) AS n FROM crossposts'),
		recordRevs: await n('SELECT COUNT(*) AS n FROM record_revs'),
		rejectedRecords: await n('SELECT COUNT(*) AS n FROM rejected_records'),
	};
}

/** Nearest-rank percentile of an unsorted list. */
export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const sum = (values: number[]) => values.reduce((n, v) => n + v, 0);

/** The headline figures of a replay. Per-event times are batch times over the batch's events. */
export function summarize({ wallMs, cpuMs, batches }: Replay) {
	const events = sum(batches.map((b) => b.events));
	const perEventUs = batches.map((b) => ((b.decodeMs + b.applyMs) / b.events) * 1000);
	const batchMs = batches.map((b) => b.decodeMs + b.applyMs);
	const statements = batches.map((b) => b.statements);
	return {
		events,
		wallMs,
		eventsPerSecond: events / (wallMs / 1000),
		/** Events per second of workerd CPU: what an uncontended core would do, if D1 kept pace. */
		eventsPerCpuSecond: cpuMs === null ? null : events / (cpuMs / 1000),
		cpuMs,
		perEventUs: { p50: percentile(perEventUs, 50), p99: percentile(perEventUs, 99), max: Math.max(...perEventUs) },
		batchMs: { p50: percentile(batchMs, 50), p99: percentile(batchMs, 99), max: Math.max(...batchMs) },
		statements: { p50: percentile(statements, 50), max: Math.max(...statements) },
		phasesMs: {
			decode: sum(batches.map((b) => b.decodeMs)),
			lookup: sum(batches.map((b) => b.lookupMs)),
			applyCpu: sum(batches.map((b) => b.applyMs - b.lookupMs - b.writeMs)),
			write: sum(batches.map((b) => b.writeMs)),
		},
	};
}
