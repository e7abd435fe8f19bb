import type { CustomCrypto } from '@ethereumjs/common'
import type { ExecuteOptions } from '../../guest/execute.js'
import type { Blake2fKernel } from '../../guest/blake2f.js'
import { nativeAddon, nativeAllowed } from './addon.js'
import { WasmcurvesBN254 } from './bn254.js'
import { hostCustomCrypto } from './index.js'

/**
 * What the host hands the guest to run faster: native/wasm keccak256, ecrecover and sha256, the native BLAKE2F
 * kernel, and the BN254 (alt_bn128) precompiles over wasmcurves' WebAssembly (./bn254.ts; the noble default spends
 * most of a zk-verifier transaction in pure-JS field arithmetic). The wasm module is compiled on the first BN254
 * call, so nothing here costs start-up time. With TESSERA_NATIVE=0 the guest runs on its pure-JS defaults.
 * One promise per thread: addon loading happens once per worker.
 */
let cached: Promise<ExecuteOptions> | undefined

/** Calls of at least this many rounds are remembered (see nativeBlake2f). */
const REMEMBER_ROUNDS = 1 << 20

/**
 * The addon's BLAKE2F kernel (C, ~50x the EVM's JS one), or undefined: then the EVM's JS precompile runs.
 * The last long call (>= 2^20 rounds) of the thread is remembered: F is a pure function of its 213 input
 * bytes, and a conformance case asks the same 2^32 - 1-round question twice in one worker (the witness
 * recorder, then the guest), ~45 s of CPU each.
 */
export function nativeBlake2f(): Blake2fKernel | undefined {
  const addon = nativeAddon()
  if (typeof addon?.blake2f !== 'function') return undefined
  let last: { input: Buffer; output: Uint8Array } | undefined
  return (input) => {
    const rounds = ((input[0] << 24) | (input[1] << 16) | (input[2] << 8) | input[3]) >>> 0
    if (rounds < REMEMBER_ROUNDS) return addon.blake2f!(input)
    if (last !== undefined && last.input.equals(input)) return last.output.slice()
    const output = addon.blake2f!(input)
    last = { input: Buffer.from(input), output: output.slice() }
    return output
  }
}

export function hostGuestOptions(): Promise<ExecuteOptions> {
  if (!nativeAllowed()) return Promise.resolve({})
  cached ??= Promise.resolve({ crypto: hostCustomCrypto() as CustomCrypto, bn254: new WasmcurvesBN254(), blake2f: nativeBlake2f() })
  return cached
}
