import { afterEach, expect, it, vi } from 'vitest';
import { FailureLog, warnMany } from '../../worker/warn-many.ts';

afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
});

it('warnMany tells the first of many failures and how many more, in one line', () => {
	const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
	warnMany('rejected', [], 'rejected_events');
	warnMany('rejected', ['a: bad', 'b: bad', 'c: bad'], 'rejected_events');
	expect(warned.mock.calls).toEqual([['rejected: a: bad (and 2 more, kept in rejected_events)']]);
});

it('a FailureLog of a long drain tells what it gathered at most every interval, and the rest at the end', () => {
	const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
	vi.useFakeTimers({ toFake: ['Date'] });
	vi.setSystemTime(0);
	const log = new FailureLog('fan-out failed', 10_000);
	for (let second = 0; second < 25; second++) {
		vi.setSystemTime(second * 1000);
		for (let n = 0; n < 100; n++) log.add(`change ${second}.${n}`);
	}
	log.flush();
	log.flush();
	expect(warned.mock.calls.map(([line]) => line)).toEqual([
		'fan-out failed: change 0.0 (and 1000 more)',
		'fan-out failed: change 10.1 (and 999 more)',
		'fan-out failed: change 20.1 (and 498 more)',
	]);
});
