import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak } from 'hash-wasm'
import { keccak256Batch, nativeAddon } from '../../src/crypto/index.js'
import { nativeKeccak256, packInputs } from '../../src/crypto/keccak.js'
import { measureGroup, ratiosAgainst, type TaskSpec } from '../measure.js'
import type { BenchSuite, Measurement } from '../types.js'

/**
 * keccak256 at the sizes stateless execution hashes most: 32 B (storage keys), 64 B, 136 B (one block),
 * 532 B (a full branch node). Every task hashes the same 1024 distinct inputs per iteration, so per-call
 * overheads count exactly as they do in the executor.
 */
const SIZES = [32, 64, 136, 532]
const INPUTS_PER_ITERATION = 1024

function inputs(size: number): Uint8Array[] {
  return Array.from({ length: INPUTS_PER_ITERATION }, (_, i) => Uint8Array.from({ length: size }, (_, j) => (i * 131 + j * 7) & 0xff))
}

export const keccakSuite: BenchSuite = {
  name: 'keccak',
  description: 'keccak256: noble vs hash-wasm vs native addon (single call and batched), 32/64/136/532 B',
  async run(opts) {
    const notes: string[] = []
    const wasm = await createKeccak(256)
    const addon = nativeAddon()
    if (addon === undefined) notes.push('native addon not loaded (not built, or TESSERA_NATIVE=0): native tasks skipped')
    const native = addon && nativeKeccak256(addon)
    const measurements: Measurement[] = []
    for (const size of SIZES) {
      const ins = inputs(size)
      const packed = packInputs(ins)
      const tasks: TaskSpec[] = [
        { name: 'noble', fn: () => ins.forEach((b) => keccak_256(b)), unitsPerIteration: ins.length },
        { name: 'hash-wasm', fn: () => ins.forEach((b) => wasm.init().update(b).digest('binary')), unitsPerIteration: ins.length },
      ]
      if (addon !== undefined && native !== undefined) {
        tasks.push(
          { name: 'native', fn: () => ins.forEach((b) => native(b)), unitsPerIteration: ins.length },
          // keccak256Batch(inputs): the array API, including packing the inputs into one buffer
          { name: 'native-batch', fn: () => keccak256Batch(ins), unitsPerIteration: ins.length },
          // inputs already packed (e.g. witness nodes decoded into one buffer): the addon call alone
          { name: 'native-packed', fn: () => addon.keccak256Batch(packed.data, packed.offsets), unitsPerIteration: ins.length },
        )
      }
      measurements.push(...(await measureGroup(`keccak256 ${size}B`, 'hashes/s', tasks, opts)))
    }
    return { suite: 'keccak', measurements, ratios: ratiosAgainst(measurements, 'noble'), notes }
  },
}
