import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it, vi } from 'vitest';

it('an outage of the directory fails account work by the many with a few warnings, not one each', async () => {
	const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
	// The test's PLC directory (PLC_URL, localhost:2582) is not running: every resolution fails at once.
	const dids = Array.from({ length: 20 }, (_, i) => `did:plc:outage${String(i).padStart(2, '0')}outageoutageoutag`);
	await runInDurableObject(env.INGESTER.getByName('account-work-outage'), async (ingester, state) => {
		await Promise.all(dids.map((did) => ingester.discover(did)));
		const attempted = () => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM work WHERE queue = 'accounts' AND attempts > 0`).one().n;
		for (let waited = 0; attempted() < dids.length && waited < 10_000; waited += 20) await scheduler.wait(20);
		expect(attempted()).toBe(dids.length);
	});
	const lines = warned.mock.calls.map((call) => String(call[0]));
	// Each failure is told once, inside a line that summarises a round of work.
	const told = lines.reduce((sum, line) => sum + 1 + Number(/\(and (\d+) more\)$/.exec(line)?.[1] ?? 0), 0);
	expect(told).toBe(dids.length);
	expect(lines.length).toBeLessThan(5);
	warned.mockRestore();
});

it('the heartbeat tries a set-aside proof again, rather than a day after it was set aside', async () => {
	const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
	const uri = 'at://did:plc:setasidesetasidesetaside/video.dreamreel.consent/self';
	await runInDurableObject(env.INGESTER.getByName('set-aside-probe'), async (ingester, state) => {
		const row = () => state.storage.sql.exec<{ attempts: number; set_aside: number }>(`SELECT attempts, set_aside FROM work WHERE queue = 'proofs'`).one();
		state.storage.sql.exec(
			`INSERT INTO work (queue, key, payload, attempts, next_at, set_aside) VALUES ('proofs', ?1, ?2, 8, ?3, 1)`,
			uri,
			JSON.stringify({ kind: 'record', uri }),
			Date.now() + 24 * 3_600_000,
		);
		await ingester.alarm();
		// The directory is still down (not running here): tried once, and set aside again.
		for (let waited = 0; row().attempts === 8 && waited < 10_000; waited += 20) await scheduler.wait(20);
		expect(row()).toEqual({ attempts: 9, set_aside: 1 });
	});
	warned.mockRestore();
});
