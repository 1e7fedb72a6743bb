// What the worker's workerd processes use, from Linux /proc (null or empty elsewhere): for the
// benchmarks' figures and the tests that bound a hostile stream's cost. wrangler runs workerd as a
// grandchild of the process that starts it (scripts/worker-process.ts).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The workerd processes descended from this process (wrangler runs workerd as a grandchild). */
export function ourWorkerds(): number[] {
	const parents = new Map<number, number>();
	const workerds: number[] = [];
	try {
		for (const entry of readdirSync('/proc')) {
			if (!/^\d+$/.test(entry)) continue;
			let stat: string;
			try {
				stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			} catch {
				continue; // gone meanwhile
			}
			const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
			if (comm === 'workerd') workerds.push(Number(entry));
		}
	} catch {
		return []; // no /proc
	}
	const ours = (pid: number) => {
		for (let at = parents.get(pid), hops = 0; at !== undefined && at > 1 && hops < 10; at = parents.get(at), hops++) {
			if (at === process.pid) return true;
		}
		return false;
	};
	return workerds.filter(ours);
}

export interface WorkerdStats {
	cpuSeconds: number;
	/** write(2)-family calls and bytes sent to storage (Linux /proc/<pid>/io). */
	writeCalls: number;
	writeBytes: number;
}

/** CPU and writes so far of our workerd processes (Linux /proc; null elsewhere). */
export function workerdStats(): WorkerdStats | null {
	const pids = ourWorkerds();
	if (pids.length === 0) return null;
	const total = { cpuSeconds: 0, writeCalls: 0, writeBytes: 0 };
	for (const pid of pids) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			// After "pid (comm) ": state ppid … utime (12th) stime (13th), in ticks of 1/100 s.
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			total.cpuSeconds += (Number(fields[11]) + Number(fields[12])) / 100;
			const io = Object.fromEntries(
				readFileSync(`/proc/${pid}/io`, 'utf8')
					.trim()
					.split('\n')
					.map((line) => line.split(': ') as [string, string]),
			);
			total.writeCalls += Number(io.syscw ?? 0);
			total.writeBytes += Number(io.write_bytes ?? 0);
		} catch {
			// gone meanwhile, or /proc/<pid>/io not readable
		}
	}
	return total;
}

/** The largest open-file count and resident memory among our workerd processes right now. */
export function workerdResources(): { fds: number; rssBytes: number } {
	let fds = 0;
	let rssBytes = 0;
	for (const pid of ourWorkerds()) {
		try {
			fds = Math.max(fds, readdirSync(`/proc/${pid}/fd`).length);
			const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
			rssBytes = Math.max(rssBytes, Number(rss ?? 0) * 1024);
		} catch {
			// gone meanwhile
		}
	}
	return { fds, rssBytes };
}

export function workerdCpuSeconds(): number | null {
	return workerdStats()?.cpuSeconds ?? null;
}

/**
 * The user worker's own workerd socket behind `wrangler dev`'s proxy (which runs in a second
 * workerd and forwards every request), found among our workerds' listening ports by asking each
 * for `probePath`. For telling the proxy's cost apart; undefined if not found.
 */
export async function directWorkerUrl(publicPort: number, probePath: string, looksRight: (body: string) => boolean): Promise<string | undefined> {
	const inodes = new Set<string>();
	for (const pid of ourWorkerds()) {
		try {
			for (const fd of readdirSync(`/proc/${pid}/fd`)) {
				try {
					const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
					const match = /^socket:\[(\d+)\]$/.exec(link);
					if (match) inodes.add(match[1]!);
				} catch {
					// closed meanwhile
				}
			}
		} catch {
			// gone
		}
	}
	const ports: number[] = [];
	try {
		for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
			const cols = line.trim().split(/\s+/);
			// local_address (hex ip:port), state 0A = LISTEN, inode in column 10.
			if (cols[3] !== '0A' || !inodes.has(cols[9] ?? '')) continue;
			const port = parseInt(cols[1]!.split(':')[1]!, 16);
			if (port !== publicPort) ports.push(port);
		}
	} catch {
		return undefined;
	}
	for (const port of ports) {
		try {
			const response = await fetch(`http://127.0.0.1:${port}${probePath}`, { signal: AbortSignal.timeout(2000) });
			if (response.status === 200 && looksRight(await response.text())) return `http://127.0.0.1:${port}`;
		} catch {
			// not an HTTP socket
		}
	}
	return undefined;
}
