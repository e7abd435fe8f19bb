/**
 * Host crypto for worker threads: the fastest keccak256/ecrecover/sha256 src/crypto finds (native addon,
 * wasm, npm secp256k1, or noble), loaded once per worker. If that module fails to load the guest simply
 * uses its @noble defaults, so a missing addon never stops a run.
 */
import type { CustomCrypto } from '@ethereumjs/common'

let cached: Promise<CustomCrypto | undefined> | undefined

export function hostCrypto(): Promise<CustomCrypto | undefined> {
  cached ??= import('../src/crypto/index.js')
    .then((m) => m.hostCustomCrypto() as CustomCrypto)
    .catch(() => undefined)
  return cached
}
