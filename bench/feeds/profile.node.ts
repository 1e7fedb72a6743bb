// A CPU profile of the user worker while a load runs, through the inspector `wrangler dev` opens
// (workerd's V8 inspector, proxied on 127.0.0.1:9229): where a request's JavaScript time goes.

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

export interface Hotspot {
	what: string;
	selfMs: number;
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
		return { result, hotspots: hotspots(profile, top) };
	} finally {
		socket.close();
	}
}

function hotspots(profile: Profile, top: number): Hotspot[] {
	const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
	const self = new Map<string, number>();
	let total = 0;
	profile.samples.forEach((id, i) => {
		const frame = byNode.get(id)!.callFrame;
		const file = frame.url.split('/').slice(-2).join('/');
		const what = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
		const us = profile.timeDeltas[i] ?? 0;
		self.set(what, (self.get(what) ?? 0) + us);
		total += us;
	});
	return [...self]
		.sort((a, b) => b[1] - a[1])
		.slice(0, top)
		.map(([what, us]) => ({ what, selfMs: us / 1000, share: us / total }));
}
