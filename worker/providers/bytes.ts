/** Encodings the webhook checks need; the cryptography itself is WebCrypto's. */

export type RawBody = string | ArrayBuffer | Uint8Array;

export function toBytes(body: RawBody): Uint8Array {
	if (typeof body === 'string') return new TextEncoder().encode(body);
	if (body instanceof ArrayBuffer) return new Uint8Array(body);
	return new Uint8Array(body); // a copy: WebCrypto wants an ArrayBuffer-backed view
}

export function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}

export function toHex(data: ArrayBuffer | Uint8Array): string {
	return Array.from(new Uint8Array(data), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** undefined unless `text` is whole hex bytes. */
export function fromHex(text: string): Uint8Array | undefined {
	if (!/^(?:[0-9a-f]{2})*$/i.test(text)) return undefined;
	return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** undefined unless `text` is valid standard base64. */
export function fromBase64(text: string): Uint8Array | undefined {
	try {
		return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
	} catch {
		return undefined;
	}
}
