import { describe, expect, it } from 'vitest';
import { probeMp4, reduceRatio, type ReadAt } from '../../../worker/jobs/mp4-info.ts';
import { DemoProvider } from '../../../worker/providers/index.ts';

/** A demo clip's bytes (H.264, 360x640, 3 s), as the provider hands them over. */
async function sample(): Promise<Uint8Array> {
	const demo = new DemoProvider({ totalMs: 0 });
	const response = await demo.download(await demo.result(await demo.create({ prompt: 'x', durationSeconds: 3, aspectRatio: '9:16' })));
	return new Uint8Array(await response.arrayBuffer());
}

function reader(bytes: Uint8Array, reads: [number, number][] = []): ReadAt {
	return async (offset, length) => {
		reads.push([offset, length]);
		return bytes.slice(offset, offset + length);
	};
}

function box(type: string, body: Uint8Array): Uint8Array {
	const out = new Uint8Array(8 + body.byteLength);
	new DataView(out.buffer).setUint32(0, out.byteLength);
	out.set(new TextEncoder().encode(type), 4);
	out.set(body, 8);
	return out;
}

describe('probing an MP4', () => {
	it('reads duration and picture size of a real clip with a few ranged reads', async () => {
		const bytes = await sample();
		const reads: [number, number][] = [];
		expect(await probeMp4(bytes.byteLength, reader(bytes, reads))).toEqual({ durationMs: 3000, width: 360, height: 640 });
		expect(reads.length).toBeLessThan(8);
		expect(reads.reduce((n, [, length]) => n + length, 0)).toBeLessThan(bytes.byteLength);
	});

	it('reads a version 1 mvhd (64-bit times)', async () => {
		const mvhd = new Uint8Array(4 + 8 + 8 + 4 + 8);
		const view = new DataView(mvhd.buffer);
		mvhd[0] = 1;
		view.setUint32(20, 600);
		view.setBigUint64(24, 3300n);
		const file = new Uint8Array([...box('ftyp', new Uint8Array(8)), ...box('moov', box('mvhd', mvhd))]);
		expect(await probeMp4(file.byteLength, reader(file))).toEqual({ durationMs: 5500 });
	});

	it('gives up on bytes that are not an MP4, or are cut short', async () => {
		const text = new TextEncoder().encode('fake video /files/req-1.mp4');
		expect(await probeMp4(text.byteLength, reader(text))).toBeUndefined();
		const bytes = await sample();
		const cut = bytes.subarray(0, 1000);
		expect(await probeMp4(cut.byteLength, reader(cut))).toBeUndefined();
	});

	it('reduces the picture size to the ratio records carry', () => {
		expect(reduceRatio(360, 640)).toEqual({ width: 9, height: 16 });
		expect(reduceRatio(1920, 1080)).toEqual({ width: 16, height: 9 });
		expect(reduceRatio(720, 720)).toEqual({ width: 1, height: 1 });
	});
});
