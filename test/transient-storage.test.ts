import { createEVM } from '@ethereumjs/evm'
import { Address, bytesToHex } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { FlatTransientStorage } from '../guest/transientStorage.js'

/** Differential: the guest's transient storage against @ethereumjs/evm's, over random frame trees. */
describe('FlatTransientStorage', () => {
  const addresses = [1, 2, 3].map((n) => new Address(new Uint8Array(20).fill(n)))
  const key = (n: number) => {
    const k = new Uint8Array(32)
    k[31] = n
    return k
  }
  // Values as TSTORE passes them: empty for zero, else the unpadded big-endian bytes.
  const value = (n: number) => (n === 0 ? new Uint8Array(0) : Uint8Array.from([n]))
  const read = (s: { get(a: Address, k: Uint8Array): Uint8Array }) =>
    addresses.flatMap((a) => Array.from({ length: 6 }, (_, k) => bytesToHex(s.get(a, key(k))).replace(/^0x(00)*$/, '0x')))

  it('reads, writes, commits and reverts exactly as ethereumjs does', async () => {
    // ethereumjs does not export the class; take it from an EVM.
    const TransientStorage = (await createEVM()).transientStorage.constructor as new () => FlatTransientStorage
    let seed = 12345
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n)
    for (let round = 0; round < 200; round++) {
      const ours = new FlatTransientStorage()
      const theirs = new TransientStorage()
      let depth = 0
      for (let op = 0; op < 60; op++) {
        const r = rand(10)
        if (r < 5) {
          const a = addresses[rand(3)]!
          const k = key(rand(6))
          const v = value(rand(4))
          ours.put(a, k, v)
          theirs.put(a, k, v)
        } else if (r < 7) {
          ours.checkpoint()
          theirs.checkpoint()
          depth++
        } else if (r < 8 && depth > 0) {
          ours.commit()
          theirs.commit()
          depth--
        } else if (r < 9 && depth > 0) {
          ours.revert()
          theirs.revert()
          depth--
        } else if (rand(8) === 0) {
          ours.clear()
          theirs.clear()
        }
        expect(read(ours), `round ${round} op ${op}`).toEqual(read(theirs))
      }
    }
  })

  it('refuses malformed keys and values like ethereumjs', () => {
    const s = new FlatTransientStorage()
    expect(() => s.put(addresses[0]!, new Uint8Array(31), value(1))).toThrow(/32 bytes/)
    expect(() => s.put(addresses[0]!, key(1), new Uint8Array(33))).toThrow(/longer than 32/)
    expect(() => new FlatTransientStorage().revert()).not.toThrow() // the base frame, as ethereumjs
  })
})
