import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { KECCAK256_RLP, ValueEncoding, bytesToHex, bytesToUnprefixedHex } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { WitnessIncomplete } from '../guest/errors.js'
import { NodeStore } from '../guest/state.js'
import { WitnessTrieReader } from '../guest/trieReader.js'
import { ViewTrieReader } from '../guest/trieView.js'
import { writeTrie } from '../guest/trieWriter.js'
import { seededRandom } from './support/random.js'

/**
 * The batched trie writer of the state root against @ethereumjs/mpt's put/del, key by key: same roots over
 * random batches on random tries. Keys share long prefixes (extensions that split and merge) and values are
 * 1-40 bytes (embedded nodes under 32 bytes next to hashed ones); batches update, insert, delete present and
 * absent keys, and empty a trie completely. Run with both node readers: WitnessTrieReader (nodes decoded by
 * @ethereumjs/rlp, nested arrays encoded by it) and ViewTrieReader (nodes read in place, encoded into one buffer).
 */
describe.each([
  ['WitnessTrieReader', (s: NodeStore) => new WitnessTrieReader(s)],
  ['ViewTrieReader', (s: NodeStore) => new ViewTrieReader(s)],
] as const)('writeTrie: batched Merkle-Patricia writes (%s)', (_name, newReader) => {
  const rand = seededRandom(4242)
  // 32-byte keys from small alphabets: many shared prefixes, and keys that differ only in their last nibbles
  // (tiny leaves: branches small enough to be embedded in their parent).
  const pick = (xs: number[]) => xs[rand(xs.length)]!
  const key = () =>
    Uint8Array.from({ length: 32 }, (_, i) => (i < 3 ? pick([0x00, 0xff]) : i < 30 ? 0x22 : i === 30 ? pick([0x00, 0x01]) : rand(2) ? pick([0x00, 0x01, 0x02, 0x03, 0x10]) : rand(256)))
  const value = () => Uint8Array.from({ length: 1 + (rand(3) === 0 ? rand(40) : rand(3)) }, () => 1 + rand(255))

  async function reference(store: NodeStore, root: Uint8Array, puts: [Uint8Array, Uint8Array][], dels: Uint8Array[]): Promise<Uint8Array> {
    const trie = new MerklePatriciaTrie({ db: store, valueEncoding: ValueEncoding.Bytes, useKeyHashing: false })
    trie.root(root)
    for (const [k, v] of puts) await trie.put(k, v)
    for (const k of dels) await trie.del(k)
    return trie.root()
  }

  it('gives @ethereumjs/mpt roots over 60 random tries and 3 batches each; both readers read back the same values', async () => {
    for (let run = 0; run < 60; run++) {
      const store = new NodeStore()
      const live = new Map<string, [Uint8Array, Uint8Array]>()
      let root: Uint8Array = KECCAK256_RLP
      for (let batch = 0; batch < 3; batch++) {
        const puts: [Uint8Array, Uint8Array][] = []
        const dels: Uint8Array[] = []
        const n = 1 + rand(run % 5 === 0 ? 4 : 40)
        const present = [...live.values()]
        for (let i = 0; i < n; i++) {
          const op = rand(4)
          if (op === 0 && present.length > 0) dels.push(present[rand(present.length)]![0])
          else if (op === 1) dels.push(key()) // most likely absent
          else if (op === 2 && present.length > 0) puts.push([present[rand(present.length)]![0], value()])
          else puts.push([key(), value()])
        }
        // Empty the trie completely now and then.
        if (run % 7 === 3 && batch === 2) for (const [k] of live.values()) dels.push(k)
        // Keys are distinct within a batch, as the state layer's are; a key both put and deleted is deleted.
        const dedupPuts = [...new Map(puts.map((p) => [bytesToHex(p[0]), p] as const)).values()]
        const expected = await reference(store, root, dedupPuts, dels)
        const got = writeTrie(newReader(store), store, root, dedupPuts, dels, keccak_256)
        expect(bytesToHex(got), `run ${run} batch ${batch}`).toBe(bytesToHex(expected))
        for (const [k, v] of dedupPuts) live.set(bytesToHex(k), [k, v])
        for (const k of dels) live.delete(bytesToHex(k))
        root = got
        const old = new WitnessTrieReader(store)
        const view = new ViewTrieReader(store)
        for (const [k, v] of live.values()) {
          expect(old.get(root, k)).toEqual(v)
          expect(view.get(root, k)).toEqual(v)
        }
        // Absent keys: mostly sharing long prefixes with present ones (walks that end in a leaf, an extension or an empty slot).
        for (let i = 0; i < 20; i++) {
          const k = key()
          expect(view.get(root, k), `run ${run} batch ${batch} key ${bytesToHex(k)}`).toEqual(old.get(root, k))
        }
      }
      if (live.size === 0) expect(bytesToHex(root)).toBe(bytesToHex(KECCAK256_RLP))
      // Nothing wrote into a stored node (values and hashes handed out are views into them).
      for (const [k, node] of store.contents()) expect(bytesToUnprefixedHex(keccak_256(node))).toBe(k)
    }
  })

  it('leaves the root as it was when nothing changes (equal values, absent keys)', async () => {
    const store = new NodeStore()
    const puts: [Uint8Array, Uint8Array][] = [...new Map(Array.from({ length: 20 }, () => [key(), value()] as [Uint8Array, Uint8Array]).map((p) => [bytesToHex(p[0]), p] as const)).values()]
    const root = await reference(store, KECCAK256_RLP, puts, [])
    const absent = new Uint8Array(32).fill(0x99)
    expect(bytesToHex(writeTrie(newReader(store), store, root, puts.slice(0, 5), [absent], keccak_256))).toBe(bytesToHex(root))
  })

  it('deletes from a branch embedded in its parent (a node changed in place is rehashed up to the root)', async () => {
    // Three keys that differ only in their last byte, 1-byte values: a branch under 32 bytes, embedded in the
    // extension above it.
    const keys = [0x00, 0x38, 0x40].map((last) => Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? last : 0)))
    for (const order of [[0], [1], [0, 2], [2, 0, 1], [1, 1]]) {
      const store = new NodeStore()
      const root = await reference(store, KECCAK256_RLP, keys.map((k) => [k, Uint8Array.of(3)]), [])
      const dels = order.map((i) => keys[i]!)
      const got = writeTrie(newReader(store), store, root, [], dels, keccak_256)
      expect(bytesToHex(got), `deleting ${order.join(',')}`).toBe(bytesToHex(await reference(store, root, [], dels)))
    }
  })

  it('a deletion that merges a branch into a sibling the witness lacks is WitnessIncomplete naming the node', async () => {
    const full = new NodeStore()
    const a = new Uint8Array(32).fill(0x11)
    const b = new Uint8Array(32).fill(0x11)
    b[0] = 0x21 // differs in the first nibble: the root is a branch with two children
    const big = new Uint8Array(40).fill(7) // leaves of 32 bytes or more: stored by hash, not embedded
    const root = await reference(full, KECCAK256_RLP, [[a, big], [b, big]], [])
    const leafB = new MerklePatriciaTrie({ db: full, valueEncoding: ValueEncoding.Bytes, useKeyHashing: false })
    leafB.root(root)
    const path = await leafB.findPath(b)
    const siblingHex = bytesToUnprefixedHex(leafB['hash'](path.node!.serialize()))
    // The witness for "delete a": everything but b's leaf.
    const witness = new Map(full.contents())
    witness.delete(siblingHex)
    const store = new NodeStore(witness)
    expect(() => writeTrie(newReader(store), store, root, [], [a], keccak_256)).toThrow(WitnessIncomplete)
    expect(() => writeTrie(newReader(store), store, root, [], [a], keccak_256)).toThrow(siblingHex)
  })
})
