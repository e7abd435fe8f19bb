/**
 * Host-side crypto for @ethereumjs `common.customCrypto`: the fastest keccak256 and ecrecover available in
 * this process, and a batched keccak for hashing many trie nodes at once.
 *
 *   keccak:    native addon  > hash-wasm > noble
 *   ecrecover: addon built against Debian's libsecp256k1 > npm `secp256k1` prebuilt binding > noble
 *
 * `TESSERA_NATIVE=0` forces the pure JS path (noble for both). Every path returns identical bytes; the tests
 * in test/crypto.test.ts hold them to @ethereumjs/util and @noble/hashes.
 */
import { createHash } from 'node:crypto'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { nativeAddon, nativeAllowed, type TesseraAddon } from './addon.js'
import {
  type Ecrecover,
  type EcrecoverPath,
  ecrecoverNoble,
  ecrecoverWith,
  libsecp256k1Engine,
  secp256k1NpmEngine,
} from './ecrecover.js'
import {
  type Keccak256,
  type KeccakPath,
  keccak256Noble,
  keccak256PackedJs,
  keccak256Wasm,
  nativeKeccak256,
  packInputs,
} from './keccak.js'

export type { Ecrecover, EcrecoverPath } from './ecrecover.js'
export type { Keccak256, KeccakPath } from './keccak.js'
export { nativeAddon, nativeAddonStatus, nativeAllowed, packageRoot } from './addon.js'
export { packInputs } from './keccak.js'

export interface HostCryptoDescription {
  keccak: KeccakPath
  ecrecover: EcrecoverPath
}

/** Shaped to drop into `createCustomCommon(..., { customCrypto: { keccak256, ecrecover, sha256 } })`. */
export interface HostCrypto {
  keccak256: Keccak256
  ecrecover: Ecrecover
  sha256: (data: Uint8Array) => Uint8Array
  /** keccak256 of many inputs in one call (one addon call on the native path); digests are 32-byte views. */
  keccak256Batch: (inputs: readonly Uint8Array[]) => Uint8Array[]
  description: HostCryptoDescription
}

/** Which paths could be used here, fastest first (for doctor and bench). */
export function availableCrypto(): { keccak: KeccakPath[]; ecrecover: EcrecoverPath[] } {
  const keccak: KeccakPath[] = []
  const ecrecover: EcrecoverPath[] = []
  if (nativeAllowed()) {
    const addon = nativeAddon()
    if (addon !== undefined) keccak.push('native')
    if (keccak256Wasm !== undefined) keccak.push('wasm')
    if (addon?.libsecp256k1) ecrecover.push('libsecp256k1')
    if (secp256k1NpmEngine().engine !== undefined) ecrecover.push('secp256k1-npm')
  }
  keccak.push('noble')
  ecrecover.push('noble')
  return { keccak, ecrecover }
}

function keccakFor(path: KeccakPath): Keccak256 {
  if (path === 'noble') return keccak256Noble
  if (path === 'wasm') {
    if (keccak256Wasm === undefined) throw new Error('keccak path "wasm" is unavailable (no WebAssembly)')
    return keccak256Wasm
  }
  const addon = nativeAddon()
  if (addon === undefined) throw new Error('keccak path "native" is unavailable (addon not loaded)')
  return nativeKeccak256(addon)
}

function ecrecoverFor(path: EcrecoverPath): Ecrecover {
  if (path === 'noble') return ecrecoverNoble
  if (path === 'secp256k1-npm') {
    const { engine, reason } = secp256k1NpmEngine()
    if (engine === undefined) throw new Error(`ecrecover path "secp256k1-npm" is unavailable: ${reason}`)
    return ecrecoverWith(engine)
  }
  const addon = nativeAddon()
  const engine = addon && libsecp256k1Engine(addon)
  if (!engine) throw new Error('ecrecover path "libsecp256k1" is unavailable (addon not built against it)')
  return ecrecoverWith(engine)
}

const sha256Node = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest())

/** A HostCrypto on explicitly chosen paths (benchmarks, tests). Throws if a chosen path is unavailable here. */
export function createHostCrypto(paths: HostCryptoDescription): HostCrypto {
  const keccak256 = keccakFor(paths.keccak)
  const addon = paths.keccak === 'native' ? nativeAddon() : undefined
  return {
    keccak256,
    keccak256Batch: addon !== undefined ? (inputs) => batchNative(addon, inputs) : (inputs) => inputs.map((b) => keccak256(b)),
    ecrecover: ecrecoverFor(paths.ecrecover),
    sha256: paths.keccak === 'noble' ? (data) => nobleSha256(data) : sha256Node,
    description: { ...paths },
  }
}

const byMode = new Map<boolean, HostCrypto>()

/** The fastest crypto available in this process (re-evaluated when TESSERA_NATIVE changes). */
export function hostCrypto(): HostCrypto {
  const native = nativeAllowed()
  let hc = byMode.get(native)
  if (hc === undefined) {
    const { keccak, ecrecover } = availableCrypto()
    hc = createHostCrypto({ keccak: keccak[0]!, ecrecover: ecrecover[0]! })
    byMode.set(native, hc)
  }
  return hc
}

/**
 * keccak256 of n inputs packed as data[offsets[i], offsets[i+1]) -> n*32 bytes. Throws RangeError on an
 * offset that runs backwards or past the data and TypeError on wrong argument types, on every path.
 */
export function keccak256Packed(data: Uint8Array, offsets: Uint32Array): Uint8Array {
  const addon = nativeAddon()
  if (addon !== undefined) return addon.keccak256Batch(data, offsets)
  return keccak256PackedJs(data, offsets, hostCrypto().keccak256)
}

/** keccak256 of each input with hostCrypto()'s path. On the native path the digests are views into one buffer. */
export function keccak256Batch(inputs: readonly Uint8Array[]): Uint8Array[] {
  return hostCrypto().keccak256Batch(inputs)
}

function batchNative(addon: TesseraAddon, inputs: readonly Uint8Array[]): Uint8Array[] {
  const { data, offsets } = packInputs(inputs)
  const digests = addon.keccak256Batch(data, offsets)
  const out = new Array<Uint8Array>(inputs.length)
  for (let i = 0; i < inputs.length; i++) out[i] = digests.subarray(32 * i, 32 * i + 32)
  return out
}

/** hostCrypto() as a plain @ethereumjs `customCrypto` object (no description field), for Common / guestCrypto(). */
export function hostCustomCrypto(): Pick<HostCrypto, 'keccak256' | 'ecrecover' | 'sha256'> {
  const { keccak256, ecrecover, sha256 } = hostCrypto()
  return { keccak256, ecrecover, sha256 }
}
