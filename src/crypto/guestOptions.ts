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

/** The addon's BLAKE2F kernel (C, ~100x the EVM's JS one), or undefined: then the EVM's JS precompile runs. */
export function nativeBlake2f(): Blake2fKernel | undefined {
  const addon = nativeAddon()
  return typeof addon?.blake2f === 'function' ? addon.blake2f.bind(addon) : undefined
}

export function hostGuestOptions(): Promise<ExecuteOptions> {
  if (!nativeAllowed()) return Promise.resolve({})
  cached ??= Promise.resolve({ crypto: hostCustomCrypto() as CustomCrypto, bn254: new WasmcurvesBN254(), blake2f: nativeBlake2f() })
  return cached
}
