/**
 * Host crypto for worker threads: the native/accelerated keccak256 and ecrecover from src/crypto when that
 * module loads, else undefined (the guest then uses @noble defaults). Loaded once per worker.
 */
let cached: Promise<object | undefined> | undefined

export function hostCrypto(): Promise<object | undefined> {
  cached ??= import('../src/crypto/index.js')
    .then((m: { hostCrypto?: () => { keccak256: unknown; ecrecover: unknown } }) => {
      const c = m.hostCrypto?.()
      return c ? { keccak256: c.keccak256, ecrecover: c.ecrecover } : undefined
    })
    .catch(() => undefined)
  return cached
}
