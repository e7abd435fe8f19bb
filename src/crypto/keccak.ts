/**
 * keccak256 in three implementations of one signature, fastest first: the native addon, hash-wasm, noble.
 * All return a fresh 32-byte Uint8Array. Batched hashing takes n inputs packed in one buffer plus n+1
 * offsets (input i = data[offsets[i], offsets[i+1])) and returns n*32 bytes.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak } from 'hash-wasm'
import type { TesseraAddon } from './addon.js'

export type KeccakPath = 'native' | 'wasm' | 'noble'
export type Keccak256 = (data: Uint8Array) => Uint8Array

export const keccak256Noble: Keccak256 = (data) => keccak_256(data)

// hash-wasm instantiates its module asynchronously once; afterwards hashing is synchronous.
const wasmHasher = await createKeccak(256).catch(() => undefined)

/** hash-wasm keccak256, or undefined if WebAssembly is unavailable. */
export const keccak256Wasm: Keccak256 | undefined =
  wasmHasher === undefined ? undefined : (data) => wasmHasher.init().update(data).digest('binary')

/** Native single-input keccak256: the addon writes into a scratch buffer, which is cheaper than allocating there. */
export function nativeKeccak256(addon: TesseraAddon): Keccak256 {
  const scratch = new Uint8Array(32)
  return (data) => {
    addon.keccak256Into(data, scratch)
    return scratch.slice()
  }
}

/** Packs inputs into one buffer plus n+1 offsets, the layout `keccak256Packed` and the addon take. */
export function packInputs(inputs: readonly Uint8Array[]): { data: Uint8Array; offsets: Uint32Array } {
  let total = 0
  for (const b of inputs) total += b.length
  if (total > 0xffffffff) throw new RangeError('keccak256Batch: inputs exceed 4 GiB in total')
  const data = new Uint8Array(total)
  const offsets = new Uint32Array(inputs.length + 1)
  let at = 0
  for (let i = 0; i < inputs.length; i++) {
    offsets[i] = at
    data.set(inputs[i]!, at)
    at += inputs[i]!.length
  }
  offsets[inputs.length] = at
  return { data, offsets }
}

/** JS implementation of the packed batch with the addon's validation rules (same errors, same output). */
export function keccak256PackedJs(data: Uint8Array, offsets: Uint32Array, hash: Keccak256): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
  if (!(offsets instanceof Uint32Array)) throw new TypeError('offsets must be a Uint32Array')
  if (offsets.length === 0) throw new RangeError('offsets must have n+1 >= 1 entries')
  const n = offsets.length - 1
  const out = new Uint8Array(n * 32)
  let start = offsets[0]!
  if (start > data.length) throw new RangeError(`offsets[0] = ${start} is past the end of data (${data.length} bytes)`)
  for (let i = 0; i < n; i++) {
    const end = offsets[i + 1]!
    if (end < start) throw new RangeError(`offsets[${i + 1}] = ${end} is below offsets[${i}] = ${start}`)
    if (end > data.length) throw new RangeError(`offsets[${i + 1}] = ${end} is past the end of data (${data.length} bytes)`)
    out.set(hash(data.subarray(start, end)), 32 * i)
    start = end
  }
  return out
}
