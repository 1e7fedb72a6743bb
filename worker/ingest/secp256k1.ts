/**
 * secp256k1 signature checks in WebAssembly, for the commits the index verifies. workerd's WebCrypto
 * has no secp256k1, and the pure-JS check that `@atcute/crypto` uses costs about four times as much,
 * which made it the ceiling of verified ingest. The module is libsecp256k1 as `tiny-secp256k1` builds
 * it. It is imported by path because the package exports only its JS, and it must be imported at all
 * (wrangler uploads it compiled) because Workers refuse to compile WebAssembly from bytes.
 */
import module from '../../node_modules/tiny-secp256k1/lib/secp256k1.wasm';

/** The part of the module's exports used here: fixed input buffers in its memory, and `verify`. */
interface Secp256k1 {
	memory: WebAssembly.Memory;
	HASH_INPUT: WebAssembly.Global;
	PUBLIC_KEY_INPUT: WebAssembly.Global;
	SIGNATURE_INPUT: WebAssembly.Global;
	/** 1 when the buffers hold a valid signature; `strict` 1 refuses high-S signatures. */
	verify(publicKeyLength: number, strict: number): number;
}

let instance: Secp256k1 | undefined;

function secp256k1(): Secp256k1 {
	instance ??= new WebAssembly.Instance(module, {
		'./rand.js': { generateInt32: () => crypto.getRandomValues(new Int32Array(1))[0]! },
		'./validate_error.js': {
			throwError: (code: number) => {
				throw new TypeError(`secp256k1 refused its input (${code})`);
			},
		},
	}).exports as unknown as Secp256k1;
	return instance;
}

/**
 * Whether `sig` (64 bytes, r‖s) signs the SHA-256 of `data` under `publicKey` (SEC1, 33 or 65
 * bytes). Low-S only, as atproto requires of repo commits: a high-S twin of a valid signature fails.
 */
export async function verifySecp256k1(publicKey: Uint8Array, sig: Uint8Array, data: Uint8Array<ArrayBuffer>): Promise<boolean> {
	if (sig.length !== 64 || (publicKey.length !== 33 && publicKey.length !== 65)) return false;
	const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
	const wasm = secp256k1();
	const memory = new Uint8Array(wasm.memory.buffer);
	memory.set(hash, wasm.HASH_INPUT.value as number);
	memory.set(publicKey, wasm.PUBLIC_KEY_INPUT.value as number);
	memory.set(sig, wasm.SIGNATURE_INPUT.value as number);
	try {
		return wasm.verify(publicKey.length, 1) === 1;
	} catch {
		return false; // a key that is not a point on the curve, or a signature out of range
	}
}
