/**
 * secp256k1 public-key recovery with @ethereumjs/util `ecrecover` semantics, over three engines:
 * Debian's libsecp256k1 through the addon, the npm `secp256k1` package's prebuilt native binding, and noble.
 * Engines share one shape: (msgHash32, r||s 64 bytes, recid) -> 65-byte uncompressed key, throwing on failure.
 */
import { createRequire } from 'node:module'
import { calculateSigRecovery, concatBytes, ecrecover as nobleEcrecover, setLengthLeft } from '@ethereumjs/util'
import type { TesseraAddon } from './addon.js'

export type EcrecoverPath = 'libsecp256k1' | 'secp256k1-npm' | 'noble'

/** The customCrypto.ecrecover signature of @ethereumjs/common: returns the 64-byte key without the 0x04 prefix. */
export type Ecrecover = (msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint) => Uint8Array

/** (msgHash32, sig64, recid) -> 65-byte uncompressed public key. */
export type RecoverEngine = (msgHash: Uint8Array, signature: Uint8Array, recid: number) => Uint8Array

/** noble through @ethereumjs/util itself: the reference the other engines are tested against. */
export const ecrecoverNoble: Ecrecover = nobleEcrecover

/** Wraps an engine in util's v/chainId handling (v 0/1, 27/28, or EIP-155 chainId*2+35/36). */
export function ecrecoverWith(engine: RecoverEngine): Ecrecover {
  return (msgHash, v, r, s, chainId) => {
    // Only 32-byte hashes reach here from tx and the precompile; anything else gets the reference behaviour.
    if (msgHash.length !== 32) return nobleEcrecover(msgHash, v, r, s, chainId)
    const recovery = calculateSigRecovery(v, chainId)
    if (recovery !== 0n && recovery !== 1n) throw new Error('Invalid signature v value')
    const signature = concatBytes(setLengthLeft(r, 32), setLengthLeft(s, 32))
    return engine(msgHash, signature, Number(recovery)).slice(1)
  }
}

export function libsecp256k1Engine(addon: TesseraAddon): RecoverEngine | undefined {
  return addon.libsecp256k1 ? (msgHash, signature, recid) => addon.ecrecover(msgHash, signature, recid) : undefined
}

interface Secp256k1Npm {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array
}

let npmBinding: { engine?: RecoverEngine; reason?: string } | undefined

/**
 * The npm `secp256k1` package's native binding. Its index.js silently falls back to elliptic (pure JS) when
 * the binding does not load, so require `secp256k1/bindings` directly to know we really have native code.
 */
export function secp256k1NpmEngine(): { engine?: RecoverEngine; reason?: string } {
  if (npmBinding === undefined) {
    try {
      const lib = createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Npm
      npmBinding = { engine: (msgHash, signature, recid) => lib.ecdsaRecover(signature, recid, msgHash, false) }
    } catch (e) {
      npmBinding = { reason: (e as Error).message.split('\n')[0] }
    }
  }
  return npmBinding
}
