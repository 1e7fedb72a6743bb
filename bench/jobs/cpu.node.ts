// CPU seconds used by this process's descendants, by command name (Linux /proc; empty elsewhere).
// On a shared machine contention inflates wall time, not CPU time, so the benchmark reports both.
import { readdirSync, readFileSync } from 'node:fs';

export function descendantCpuSeconds(root = process.pid): Map<string, number> {
	const procs: { pid: number; ppid: number; comm: string; ticks: number }[] = [];
	let pids: string[];
	try {
		pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
	} catch {
		return new Map();
	}
	for (const pid of pids) {
		let stat: string;
		try {
			stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		} catch {
			continue; // exited meanwhile
		}
		const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
		// After "pid (comm) ": state ppid … utime (12th) stime (13th), in clock ticks.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		procs.push({ pid: Number(pid), ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
	}
	const mine = new Set([root]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const proc of procs) {
			if (!mine.has(proc.pid) && mine.has(proc.ppid)) {
				mine.add(proc.pid);
				grew = true;
			}
		}
	}
	const byName = new Map<string, number>();
	for (const proc of procs) {
		if (proc.pid !== root && mine.has(proc.pid)) byName.set(proc.comm, (byName.get(proc.comm) ?? 0) + proc.ticks / 100);
	}
	return byName;
}
