/**
 * Single byte ranges (RFC 9110 §14). A header we cannot honour as one range (absent, malformed,
 * another unit, several ranges) is ignored, and the whole video is served: the RFC allows it, and
 * players only ever ask for one range.
 */

/** `bytes=a-b` / `bytes=a-` (end absent) or `bytes=-n` (the last n bytes). */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export type ResolvedRange =
	| { kind: 'full' }
	| { kind: 'partial'; start: number; end: number }
	/** The range is well-formed but starts past the end: 416. */
	| { kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

export function parseRange(header: string | null): ByteRange | undefined {
	if (header === null) return undefined;
	const eq = header.indexOf('=');
	if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
	// The list syntax allows empty elements (`bytes=0-99,`); only one real element is honoured.
	const specs = header
		.slice(eq + 1)
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s !== '');
	const match = specs.length === 1 ? SPEC.exec(specs[0] ?? '') : null;
	if (!match) return undefined;
	const [, first = '', last = ''] = match;
	if (first === '') return last === '' ? undefined : { suffix: Number(last) };
	const start = Number(first);
	if (last === '') return { start };
	const end = Number(last);
	return end < start ? undefined : { start, end };
}

export function resolveRange(range: ByteRange | undefined, size: number): ResolvedRange {
	if (!range) return { kind: 'full' };
	if ('suffix' in range) {
		if (range.suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
		return { kind: 'partial', start: Math.max(0, size - range.suffix), end: size - 1 };
	}
	if (range.start >= size) return { kind: 'unsatisfiable' };
	return { kind: 'partial', start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** Back to header form, to ask a cache for exactly the range we parsed. */
export function formatRange(range: ByteRange): string {
	if ('suffix' in range) return `bytes=-${range.suffix}`;
	return `bytes=${range.start}-${range.end ?? ''}`;
}

/** `bytes a-b/size` from a 206; undefined for anything else. */
export function parseContentRange(header: string | null): { start: number; end: number; size: number } | undefined {
	const match = header === null ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
	if (!match) return undefined;
	const [start, end, size] = match.slice(1).map(Number) as [number, number, number];
	return start <= end && end < size ? { start, end, size } : undefined;
}

/** The bytes [start, start + length) of a stream; the rest of the source is cancelled, not read. */
export function sliceStream(source: ReadableStream<Uint8Array>, start: number, length: number): ReadableStream<Uint8Array> {
	const reader = source.getReader();
	let skip = start;
	let left = length;
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			const { done, value } = await reader.read();
			if (done) return controller.close();
			const from = Math.min(skip, value.byteLength);
			skip -= from;
			const chunk = value.subarray(from, from + left);
			left -= chunk.byteLength;
			if (chunk.byteLength > 0) controller.enqueue(chunk);
			if (left === 0) {
				controller.close();
				await reader.cancel();
			}
		},
		cancel: (reason) => reader.cancel(reason),
	});
}
