// A CPU profile of the user worker while a load runs, through the inspector `wrangler dev` opens
// (workerd's V8 inspector, proxied on 127.0.0.1:9229): where a request's JavaScript time goes.

import { writeFileSync } from 'node:fs';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}

interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

export interface Hotspot {
	what: string;
	selfMs: number;
	/** Time with this function anywhere on the stack (its callees included), counted once per sample. */
	totalMs: number;
	share: number;
}

/** Runs `load` with the profiler on; the functions with the most self time, heaviest first. */
export async function profiled<T>(load: () => Promise<T>, inspector = 'ws://127.0.0.1:9229/ws', top = 15): Promise<{ result: T; hotspots: Hotspot[] }> {
	// wrangler's inspector proxy refuses a connection without an Origin (Node's WebSocket, undici, takes headers).
	const WithHeaders = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket;
	const socket = new WithHeaders(inspector, { headers: { origin: new URL(inspector).origin.replace(/^ws/, 'http') } });
	await new Promise((resolve, reject) => {
		socket.addEventListener('open', resolve, { once: true });
		socket.addEventListener('error', () => reject(new Error(`no inspector at ${inspector}`)), { once: true });
	});
	let next = 0;
	const pending = new Map<number, (result: unknown) => void>();
	socket.addEventListener('message', (event) => {
		const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
		if (message.id !== undefined) pending.get(message.id)?.(message.result);
	});
	const send = <R>(method: string, params: object = {}) =>
		new Promise<R>((resolve) => {
			const id = ++next;
			pending.set(id, resolve as (result: unknown) => void);
			socket.send(JSON.stringify({ id, method, params }));
		});
	try {
		await send('Profiler.enable');
		await send('Profiler.setSamplingInterval', { interval: 200 });
		await send('Profiler.start');
		const result = await load();
		const { profile } = await send<{ profile: Profile }>('Profiler.stop');
		// BENCH_PROFILE_OUT=file.cpuprofile keeps the whole profile, for Chrome DevTools or a script.
		if (process.env.BENCH_PROFILE_OUT) writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
		return { result, hotspots: hotspots(profile, top) };
	} finally {
		socket.close();
	}
}

function hotspots(profile: Profile, top: number): Hotspot[] {
	const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)));
	const self = new Map<string, number>();
	const total = new Map<string, number>();
	let all = 0;
	profile.samples.forEach((id, i) => {
		const us = profile.timeDeltas[i] ?? 0;
		const name = nameOf(byNode.get(id)!);
		self.set(name, (self.get(name) ?? 0) + us);
		const onStack = new Set<string>();
		for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) onStack.add(nameOf(byNode.get(node)!));
		for (const what of onStack) total.set(what, (total.get(what) ?? 0) + us);
		all += us;
	});
	const row = (what: string) => ({ what, selfMs: (self.get(what) ?? 0) / 1000, totalMs: (total.get(what) ?? 0) / 1000, share: (self.get(what) ?? 0) / all });
	const bySelf = [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([what]) => what);
	// Our own functions (the bundle, index.js) by inclusive time: which call a request's time sits under.
	const ours = [...total].filter(([what]) => what.includes('index.js:') && !bySelf.includes(what)).sort((a, b) => b[1] - a[1]).slice(0, top).map(([what]) => what);
	return [...bySelf, ...ours].map(row);
}

function nameOf({ callFrame: frame }: ProfileNode): string {
	const file = frame.url.split('/').slice(-2).join('/');
	return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}
