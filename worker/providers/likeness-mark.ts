// The mark the demo provider leaves in a clip to show whose likeness it was given: the CIDs of the
// reference images, in an ISO BMFF `uuid` box of our own (players skip boxes they do not know).

const LIKENESS_BOX_UUID = new Uint8Array([0x8e, 0x1b, 0x5d, 0x43, 0x2a, 0x6f, 0x4c, 0x0e, 0x9d, 0x31, 0x64, 0x72, 0x65, 0x61, 0x6d, 0x72]);

/**
 * The clip with a top-level `uuid` box appended, holding `{"likeness":[cid…]}`: at the end, so no
 * offset in the file moves and it plays as before (readers skip unknown boxes).
 */
export function withLikenessMark(mp4: Uint8Array, cids: string[]): Uint8Array {
	const payload = new TextEncoder().encode(JSON.stringify({ likeness: cids }));
	const size = 8 + LIKENESS_BOX_UUID.byteLength + payload.byteLength;
	const out = new Uint8Array(mp4.byteLength + size);
	out.set(mp4);
	const box = new DataView(out.buffer, mp4.byteLength);
	box.setUint32(0, size);
	out.set(new TextEncoder().encode('uuid'), mp4.byteLength + 4);
	out.set(LIKENESS_BOX_UUID, mp4.byteLength + 8);
	out.set(payload, mp4.byteLength + 8 + LIKENESS_BOX_UUID.byteLength);
	return out;
}

/** The likeness CIDs a demo clip carries (withLikenessMark), for tests and anyone checking a clip. */
export function likenessMarkOf(mp4: Uint8Array): string[] {
	const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
	for (let offset = 0; offset + 8 <= mp4.byteLength; ) {
		const size = view.getUint32(offset);
		if (size < 8) return [];
		const type = String.fromCharCode(...mp4.subarray(offset + 4, offset + 8));
		const uuid = mp4.subarray(offset + 8, offset + 24);
		if (type === 'uuid' && uuid.every((byte, i) => byte === LIKENESS_BOX_UUID[i])) {
			const { likeness } = JSON.parse(new TextDecoder().decode(mp4.subarray(offset + 24, offset + size))) as { likeness: string[] };
			return likeness;
		}
		offset += size;
	}
	return [];
}
