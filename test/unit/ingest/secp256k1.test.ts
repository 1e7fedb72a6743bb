// The WebAssembly secp256k1 check that verified ingest relies on agrees with @atcute/crypto's, which
// the reference implementations trust: valid signatures pass, anything else fails, high-S included.
import { Secp256k1PrivateKeyExportable, verifySig } from '@atcute/crypto';
import { describe, expect, it } from 'vitest';
import { verifySecp256k1 } from '../../../worker/ingest/secp256k1.ts';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
type Bytes = Uint8Array<ArrayBuffer>;
const bytes = (text: string): Bytes => Uint8Array.from(new TextEncoder().encode(text));
const hex = (data: Uint8Array) => [...data].map((byte) => byte.toString(16).padStart(2, '0')).join('');
const unhex = (text: string): number[] => text.match(/../g)!.map((pair) => parseInt(pair, 16));

/** The same signature with s replaced by n − s: equally valid maths, refused by atproto (high-S). */
function highS(sig: Uint8Array): Bytes {
	const s = BigInt(`0x${hex(sig.subarray(32))}`);
	return Uint8Array.from([...sig.subarray(0, 32), ...unhex((N - s).toString(16).padStart(64, '0'))]);
}

describe('verifySecp256k1', () => {
	it('accepts exactly what @atcute/crypto accepts', async () => {
		for (let i = 0; i < 20; i++) {
			const key = await Secp256k1PrivateKeyExportable.createKeypair();
			const publicKey = (await key.exportPublicKey('raw')) as Bytes;
			const data = bytes(`commit ${i}`);
			const sig = (await key.sign(data)) as Bytes;
			const cases: [Bytes, Bytes][] = [[sig, data], [sig, bytes(`commit ${i + 1}`)], [highS(sig), data]];
			for (const [signature, signed] of cases) {
				const reference = await verifySig({ type: 'secp256k1', jwtAlg: 'ES256K', publicKeyBytes: publicKey }, signature, signed);
				expect(await verifySecp256k1(publicKey, signature, signed)).toBe(reference);
			}
			expect(await verifySecp256k1(publicKey, sig, data)).toBe(true);
			expect(await verifySecp256k1(publicKey, highS(sig), data)).toBe(false);
		}
	});

	it('refuses malformed input instead of throwing', async () => {
		const key = await Secp256k1PrivateKeyExportable.createKeypair();
		const publicKey = (await key.exportPublicKey('raw')) as Bytes;
		const data = bytes('a commit');
		const sig = (await key.sign(data)) as Bytes;
		const offCurve = Uint8Array.from([0x02, ...new Uint8Array(32).fill(0xff)]);
		expect(await verifySecp256k1(offCurve, sig, data)).toBe(false);
		expect(await verifySecp256k1(publicKey.subarray(1), sig, data)).toBe(false);
		expect(await verifySecp256k1(publicKey, sig.subarray(1), data)).toBe(false);
		expect(await verifySecp256k1(publicKey, new Uint8Array(64), data)).toBe(false);
		// The module's buffers are reused: a refusal leaves nothing behind for the next check.
		expect(await verifySecp256k1(publicKey, sig, data)).toBe(true);
	});
});
