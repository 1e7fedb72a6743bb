import { describe, expect, it } from 'vitest';
import { parseContentRange, parseRange, resolveRange, sliceStream } from '../../../worker/video/range.ts';

describe('parseRange', () => {
	it.each([
		['bytes=0-99', { start: 0, end: 99 }],
		['bytes=100-', { start: 100 }],
		['bytes=-500', { suffix: 500 }],
		['Bytes = 5-5', { start: 5, end: 5 }],
		['bytes=0-99, ', { start: 0, end: 99 }],
	])('reads %j', (header, range) => {
		expect(parseRange(header)).toEqual(range);
	});

	it.each([[null], ['bytes=abc'], ['bytes=-'], ['bytes=9-1'], ['items=0-1'], ['bytes=0-1,5-6'], ['bytes 0-1'], ['bytes=0x-1']])('ignores %j', (header) => {
		expect(parseRange(header)).toBeUndefined();
	});
});

describe('resolveRange', () => {
	it('clamps the end to the size', () => {
		expect(resolveRange({ start: 10, end: 5000 }, 1000)).toEqual({ kind: 'partial', start: 10, end: 999 });
	});

	it('gives the whole video for a suffix longer than it', () => {
		expect(resolveRange({ suffix: 5000 }, 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
	});

	it('refuses a start past the end, and an empty suffix', () => {
		expect(resolveRange({ start: 1000 }, 1000)).toEqual({ kind: 'unsatisfiable' });
		expect(resolveRange({ suffix: 0 }, 1000)).toEqual({ kind: 'unsatisfiable' });
	});
});

describe('parseContentRange', () => {
	it('reads a 206 header and refuses a nonsensical one', () => {
		expect(parseContentRange('bytes 0-99/1000')).toEqual({ start: 0, end: 99, size: 1000 });
		expect(parseContentRange('bytes 99-0/1000')).toBeUndefined();
		expect(parseContentRange('bytes */1000')).toBeUndefined();
	});
});

describe('sliceStream', () => {
	it('cuts a range across chunk boundaries', async () => {
		const chunks = [new Uint8Array([0, 1, 2]), new Uint8Array([3, 4, 5]), new Uint8Array([6, 7, 8])];
		const source = new ReadableStream<Uint8Array>({
			start(controller) {
				for (const chunk of chunks) controller.enqueue(chunk);
				controller.close();
			},
		});
		const bytes = new Uint8Array(await new Response(sliceStream(source, 2, 5)).arrayBuffer());
		expect([...bytes]).toEqual([2, 3, 4, 5, 6]);
	});
});
