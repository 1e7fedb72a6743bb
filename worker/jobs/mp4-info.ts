/**
 * The duration and picture size an MP4 declares (ISO BMFF `moov/mvhd` and the video track's
 * `tkhd`), read with one or a few ranged reads so a large video is never held in memory. The record a
 * client publishes then says what the file is, not what was asked for (providers round durations).
 */

export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

export interface Mp4Info {
	durationMs?: number;
	width?: number;
	height?: number;
}

/** A `moov` larger than this is not a short clip's; we do not read it. */
const MAX_MOOV_BYTES = 8 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES = 64;

interface Box {
	type: string;
	/** Header length: 8, or 16 with a 64-bit size. */
	header: number;
	size: number;
}

/** The first read: most short clips (faststart) have their whole `moov` in it. */
const FIRST_READ_BYTES = 64 * 1024;

/** undefined when the bytes are not an MP4 we can read. */
export async function probeMp4(fileSize: number, readAt: ReadAt): Promise<Mp4Info | undefined> {
	const head = await readAt(0, Math.min(FIRST_READ_BYTES, fileSize));
	const slice = async (offset: number, length: number) =>
		offset + length <= head.byteLength ? head.subarray(offset, offset + length) : readAt(offset, length);
	let offset = 0;
	for (let i = 0; i < MAX_TOP_LEVEL_BOXES && offset + 8 <= fileSize; i++) {
		const box = readBox(await slice(offset, Math.min(16, fileSize - offset)), 0, fileSize - offset);
		if (!box) return undefined;
		if (box.type === 'moov') {
			if (box.size > MAX_MOOV_BYTES) return undefined;
			const moov = await slice(offset, box.size);
			return moov.byteLength === box.size ? parseMoov(moov.subarray(box.header)) : undefined;
		}
		offset += box.size;
	}
	return undefined;
}

/** width:height in lowest terms (360x640 → 9:16), as records carry it. */
export function reduceRatio(width: number, height: number): { width: number; height: number } {
	const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
	const d = gcd(width, height);
	return { width: width / d, height: height / d };
}

function parseMoov(moov: Uint8Array): Mp4Info {
	const info: Mp4Info = {};
	for (const box of children(moov)) {
		const body = moov.subarray(box.start + box.header, box.start + box.size);
		if (box.type === 'mvhd') Object.assign(info, movieDuration(body));
		if (box.type === 'trak' && info.width === undefined) {
			for (const child of children(body)) {
				if (child.type !== 'tkhd') continue;
				const size = pictureSize(body.subarray(child.start + child.header, child.start + child.size));
				if (size) Object.assign(info, size);
			}
		}
	}
	return info;
}

function* children(bytes: Uint8Array): Generator<Box & { start: number }> {
	let start = 0;
	while (start + 8 <= bytes.byteLength) {
		const box = readBox(bytes, start, bytes.byteLength - start);
		if (!box) return;
		yield { ...box, start };
		start += box.size;
	}
}

function readBox(bytes: Uint8Array, at: number, available: number): Box | undefined {
	if (bytes.byteLength < at + 8) return undefined;
	const view = new DataView(bytes.buffer, bytes.byteOffset + at);
	const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
	let size = view.getUint32(0);
	let header = 8;
	if (size === 1) {
		if (bytes.byteLength < at + 16) return undefined;
		size = Number(view.getBigUint64(8));
		header = 16;
	} else if (size === 0) {
		size = available; // to the end of the file
	}
	return size >= header && size <= available ? { type, header, size } : undefined;
}

/** mvhd: version 0 has 32-bit times, version 1 64-bit; then timescale and duration. */
function movieDuration(body: Uint8Array): Mp4Info {
	if (body.byteLength < 20) return {};
	const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
	const v1 = body[0] === 1;
	if (v1 && body.byteLength < 32) return {};
	const timescale = view.getUint32(v1 ? 20 : 12);
	const duration = v1 ? Number(view.getBigUint64(24)) : view.getUint32(16);
	const unknown = v1 ? duration >= Number.MAX_SAFE_INTEGER : duration === 0xffffffff;
	if (timescale === 0 || duration === 0 || unknown) return {};
	return { durationMs: Math.round((duration * 1000) / timescale) };
}

/** tkhd ends with width and height as 16.16 fixed point; audio tracks have 0 × 0. */
function pictureSize(body: Uint8Array): { width: number; height: number } | undefined {
	const at = body[0] === 1 ? 88 : 76;
	if (body.byteLength < at + 8) return undefined;
	const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
	const width = view.getUint32(at) >>> 16;
	const height = view.getUint32(at + 4) >>> 16;
	return width > 0 && height > 0 ? { width, height } : undefined;
}
