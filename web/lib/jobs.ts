import type { Api } from './api.ts';
import type { JobView } from './types.ts';

const TERMINAL = new Set(['ready', 'failed', 'cancelled']);
const POLL_MS = 1500;
const MAX_BACKOFF_MS = 10_000;

export function isFinished(job: JobView): boolean {
	return TERMINAL.has(job.status);
}

/**
 * Follows a job live over its WebSocket (`/jobs/:id/events`, one `{job}` message per change). A
 * browser cannot set headers on a WebSocket, so the service JWT for `getJob`, minted by the user's
 * PDS, goes in `?token=`. If the socket drops before the job ends it reconnects with backoff and
 * polls `getJob` meanwhile, so progress never stalls silently. Returns a stop function.
 */
export function watchJob(api: Api, id: string, onJob: (job: JobView) => void, onError: (error: Error) => void = () => {}): () => void {
	let stopped = false;
	let socket: WebSocket | undefined;
	let failures = 0;
	let poller: ReturnType<typeof setInterval> | undefined;
	let last: JobView | undefined;

	const deliver = (job: JobView) => {
		if (stopped || job.id !== id) return;
		// The socket and a poll may race: never go back to an older state.
		if (last && job.updatedAt < last.updatedAt) return;
		last = job;
		onJob(job);
		if (isFinished(job)) stop();
	};

	const poll = () => api.job(id).then(deliver, (error: Error) => onError(error));

	const connect = async () => {
		if (stopped) return;
		let token: string;
		try {
			token = await api.session!.serviceToken('video.dreamreel.getJob');
		} catch (error) {
			onError(error as Error);
			return retry();
		}
		if (stopped) return;
		const url = new URL(`/jobs/${encodeURIComponent(id)}/events`, api.config.appUrl);
		url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
		url.searchParams.set('token', token);
		const ws = new WebSocket(url);
		socket = ws;
		ws.addEventListener('open', () => {
			failures = 0;
			if (poller !== undefined) clearInterval(poller);
			poller = undefined;
		});
		ws.addEventListener('message', (event) => {
			try {
				const { job } = JSON.parse(String(event.data)) as { job?: JobView };
				if (job) deliver(job);
			} catch {
				// not ours: ignore
			}
		});
		ws.addEventListener('close', () => {
			if (socket === ws) socket = undefined;
			if (!stopped && !(last && isFinished(last))) retry();
		});
	};

	const retry = () => {
		if (stopped) return;
		failures++;
		poller ??= setInterval(poll, POLL_MS);
		void poll();
		setTimeout(connect, Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures));
	};

	const stop = () => {
		stopped = true;
		if (poller !== undefined) clearInterval(poller);
		socket?.close(1000);
	};

	void connect();
	return stop;
}
