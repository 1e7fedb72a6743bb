// What this process's descendants use, from Linux /proc (empty or null elsewhere): for the
// benchmarks' figures and the tests that bound a hostile stream's cost. wrangler runs workerd as a
// grandchild of the process that starts it (scripts/worker-process.ts), vitest's workers pool as a child.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

interface Process {
	pid: number;
	ppid: number;
	/** The command name, as /proc/<pid>/stat has it. */
	comm: string;
	/** User and system CPU so far. */
	cpuSeconds: number;
}

/** The processes descended from `root` (not itself), as /proc has them now. */
export function descendants(root = process.pid): Process[] {
	const all = processes();
	const mine = new Set([root]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const proc of all) {
			if (!mine.has(proc.pid) && mine.has(proc.ppid)) {
				mine.add(proc.pid);
				grew = true;
			}
		}
	}
	return all.filter((proc) => proc.pid !== root && mine.has(proc.pid));
}

function processes(): Process[] {
	let pids: string[];
	try {
		pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
	} catch {
		return []; // no /proc
	}
	return pids.flatMap((pid) => {
		let stat: string;
		try {
			stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		} catch {
			return []; // gone meanwhile
		}
		// After "pid (comm) ": state ppid … utime (12th) stime (13th), in ticks of 1/100 s.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
		return [{ pid: Number(pid), ppid: Number(fields[1]), comm, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 }];
	});
}

/** CPU seconds used by this process's descendants, summed by command name. */
export function descendantCpuSeconds(): Map<string, number> {
	const byName = new Map<string, number>();
	for (const { comm, cpuSeconds } of descendants()) byName.set(comm, (byName.get(comm) ?? 0) + cpuSeconds);
	return byName;
}

const ourWorkerdProcesses = () => descendants().filter((proc) => proc.comm === 'workerd');

/** The workerd processes descended from this process. */
export function ourWorkerds(): number[] {
	return ourWorkerdProcesses().map((proc) => proc.pid);
}

export interface WorkerdStats {
	cpuSeconds: number;
	/** write(2)-family calls and bytes sent to storage (Linux /proc/<pid>/io). */
	writeCalls: number;
	writeBytes: number;
}

/** CPU and writes so far of our workerd processes (Linux /proc; null elsewhere). */
export function workerdStats(): WorkerdStats | null {
	const workerds = ourWorkerdProcesses();
	if (workerds.length === 0) return null;
	const total = { cpuSeconds: 0, writeCalls: 0, writeBytes: 0 };
	for (const { pid, cpuSeconds } of workerds) {
		total.cpuSeconds += cpuSeconds;
		try {
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
