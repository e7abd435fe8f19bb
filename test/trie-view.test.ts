import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { ValueEncoding, bytesToUnprefixedHex, hexToBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { WitnessInvalid } from '../guest/errors.js'
import { NodeStore } from '../guest/state.js'
import { WitnessTrieReader } from '../guest/trieReader.js'
import { ViewTrieReader } from '../guest/trieView.js'
import { writeTrie } from '../guest/trieWriter.js'
import { seededRandom } from './support/random.js'

/**
 * Malformed trie nodes read in place (ViewTrieReader): each is a typed WitnessInvalid naming the node's hash and
 * what is wrong, and each is rejected by the @ethereumjs/rlp-based WitnessTrieReader too (exactly as strict).
 * Nodes are written by hand, byte by byte; the walk looks up a key starting with nibble 0.
 */
const EMPTY17 = '80'.repeat(17)
const KEY = new Uint8Array(32) // nibble path 000…0

function storeWith(nodeHex: string): { store: NodeStore; root: Uint8Array; hashHex: string } {
  const raw = hexToBytes(`0x${nodeHex}`)
  const root = keccak_256(raw)
  const hashHex = bytesToUnprefixedHex(root)
  return { store: new NodeStore(new Map([[hashHex, raw]])), root, hashHex }
}

/** An RLP list of the given items' RLP (hex), with a canonical header. */
const list = (payload: string) => {
  const n = payload.length / 2
  return (n < 56 ? (0xc0 + n).toString(16) : 'f8' + n.toString(16).padStart(2, '0')) + payload
}
/** A branch: slot 0 and the value as given, every other slot empty. */
const branch = (slot0: string, value = '80') => list(slot0 + '80'.repeat(15) + value)
/** A branch over 55 bytes (two hashes); its value item starts at byte 82. */
const longBranch = (value: string) => list('a0' + '22'.repeat(32) + 'a0' + '33'.repeat(32) + '80'.repeat(14) + value)

const cases: [name: string, nodeHex: string, reason: RegExp][] = [
  ['a length-prefixed single byte below 0x80, in a slot the walk does not take', branch('80', '8105'), /non-canonical RLP at byte 17: a single byte below 0x80 with a length prefix/],
  ['the long form for a string under 56 bytes', longBranch('b8050102030405'), /non-canonical RLP at byte 82: long form for a length of 5/],
  ['a long-form length with a leading zero', longBranch('b90040' + '01'.repeat(64)), /non-canonical RLP at byte 82: a length with a leading zero/],
  ['the long form for a list under 56 bytes', 'f811' + EMPTY17, /non-canonical RLP at byte 0: long form for a length of 17/],
  ['trailing bytes after the node', 'd1' + EMPTY17 + '00', /trailing bytes: the node's RLP ends at byte 18 of 19/],
  ['a list longer than the node', 'd2' + EMPTY17, /RLP item at byte 0 runs past its end \(19 > 18\)/],
  ['a long string running past its list', longBranch('b840' + '01'.repeat(10)), /RLP item at byte 82 runs past its end \(148 > 94\)/],
  ['a string running past its list', 'd2' + '80'.repeat(16) + '8201', /RLP item at byte 17 runs past its end \(20 > 19\)/],
  ['an item running past its enclosing (embedded) list, with bytes after it', branch('c1820102'), /RLP item at byte 2 runs past its end \(5 > 3\)/],
  ['a node of 3 items', 'c3808080', /a node has 3 items \(expected 2 or 17\)/],
  ['not an RLP list', '8501020304ff', /not an RLP list/],
  ['a child reference of 20 bytes', branch('94' + '11'.repeat(20)), /child reference of 20 bytes/],
  ['an embedded node of 3 items', branch('c3808080'), /an embedded node has 3 items/],
  ['a leaf path that is a list', 'c3c18080', /leaf\/extension path is not a byte string/],
  ['an empty leaf path', 'c28080', /leaf\/extension path is not a byte string/],
]

describe('ViewTrieReader: malformed nodes', () => {
  it.each(cases)('%s is WitnessInvalid naming the node, and was rejected before', (_name, nodeHex, reason) => {
    const { store, root, hashHex } = storeWith(nodeHex)
    let err: unknown
    try {
      new ViewTrieReader(store).get(root, KEY)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(WitnessInvalid)
    expect((err as Error).message).toContain(`0x${hashHex}`)
    expect((err as Error).message).toMatch(reason)
    expect(() => new WitnessTrieReader(store).get(root, KEY)).toThrow(WitnessInvalid)
  })

  it('the state-root writer checks every slot of a node it loads, as before', () => {
    // Slot 0 (the key's) is empty; slot 1 holds a 20-byte reference no read of the key takes. Deleting the key
    // loads the branch whole: both readers' writers reject it.
    const { store, root, hashHex } = storeWith(list('80' + '94' + '11'.repeat(20) + '80'.repeat(15)))
    for (const reader of [new ViewTrieReader(store), new WitnessTrieReader(store)]) {
      expect(() => writeTrie(reader, store, root, [], [KEY], keccak_256)).toThrow(WitnessInvalid)
    }
    expect(() => writeTrie(new ViewTrieReader(store), store, root, [], [KEY], keccak_256)).toThrow(new RegExp(`0x${hashHex}: child reference of 20 bytes`))
  })

  it('reads what the old reader reads from the same hand-written nodes', () => {
    // A branch whose slot 0 is a leaf by hash (the rest of the key: odd flag 3 and 63 zero nibbles, value 0x2a;
    // 35 bytes, so stored by hash) and whose own value is 0x07.
    const leafRaw = hexToBytes(`0x${list('a0' + '3' + '0'.repeat(63) + '2a')}`)
    const leafHash = bytesToUnprefixedHex(keccak_256(leafRaw))
    const { store, root } = storeWith(list('a0' + leafHash + '80'.repeat(15) + '07'))
    store.putSync(leafHash, leafRaw)
    const view = new ViewTrieReader(store)
    const old = new WitnessTrieReader(store)
    expect(view.get(root, KEY)).toEqual(Uint8Array.of(0x2a))
    expect(view.get(root, KEY)).toEqual(old.get(root, KEY))
    const other = new Uint8Array(32).fill(0x11)
    expect(view.get(root, other)).toBeUndefined()
    expect(old.get(root, other)).toBeUndefined()
    // A leaf whose path (two zero nibbles) is a prefix of the key, not the whole key: absent for both.
    const short = storeWith(list('822000' + '2a'))
    expect(new ViewTrieReader(short.store).get(short.root, KEY)).toBeUndefined()
    expect(new WitnessTrieReader(short.store).get(short.root, KEY)).toBeUndefined()
  })
})

describe('ViewTrieReader: as strict as WitnessTrieReader on mutated nodes', () => {
  // Fixed seed: the same mutations every run.
  const rand = seededRandom(77)
  const outcome = (read: () => Uint8Array | undefined): string => {
    try {
      const v = read()
      return v === undefined ? 'absent' : bytesToUnprefixedHex(v)
    } catch (e) {
      if (!(e instanceof Error) || e.constructor === Error || e instanceof TypeError || e instanceof RangeError) throw e
      return e.constructor.name
    }
  }

  it('reads the same value or throws the same error class for 3,000 mutated root nodes', async () => {
    let rejected = 0
    for (const shape of ['spread', 'embedded'] as const) {
      // spread: a root branch of hashes; embedded: keys that differ in their last nibbles only, 1-byte values, so
      // the root is an extension holding a branch of leaves embedded in it.
      const keys = Array.from({ length: shape === 'spread' ? 40 : 5 }, (_, i) =>
        shape === 'spread' ? Uint8Array.from({ length: 32 }, () => rand(256)) : Uint8Array.from({ length: 32 }, (_, j) => (j === 31 ? i * 0x11 : 7)),
      )
      const store = new NodeStore()
      const trie = new MerklePatriciaTrie({ db: store, valueEncoding: ValueEncoding.Bytes, useKeyHashing: false })
      for (const k of keys) await trie.put(k, Uint8Array.from({ length: shape === 'spread' ? 1 + rand(40) : 1 }, () => 1 + rand(255)))
      const rootRaw = store.contents().get(bytesToUnprefixedHex(trie.root()))!
      const probes = [...keys, ...keys.map((k) => Uint8Array.from(k, (b, j) => (j === 31 ? b ^ 1 : b)))]
      for (let m = 0; m < 1500; m++) {
        const raw = Uint8Array.from(rootRaw)
        const at = rand(raw.length)
        let bytes: Uint8Array = raw
        const op = rand(6)
        if (op === 0) raw[at] = rand(256)
        else if (op === 1) raw[at] = (raw[at]! + (rand(2) ? 1 : 255)) & 0xff
        else if (op === 2) bytes = Uint8Array.from([...raw.subarray(0, at), rand(256), ...raw.subarray(at)])
        else if (op === 3) bytes = Uint8Array.from([...raw.subarray(0, at), ...raw.subarray(at + 1)])
        else if (op === 4) bytes = raw.subarray(0, at)
        else bytes = Uint8Array.from([...raw, rand(256)])
        const root = keccak_256(bytes)
        const mutated = new NodeStore(new Map(store.contents()))
        mutated.putSync(bytesToUnprefixedHex(root), bytes)
        const view = new ViewTrieReader(mutated)
        const old = new WitnessTrieReader(mutated)
        for (const k of probes) {
          const expected = outcome(() => old.get(root, k))
          expect(outcome(() => view.get(root, k)), `${shape} mutation ${m} (op ${op} at ${at}): 0x${bytesToUnprefixedHex(bytes)}`).toBe(expected)
          if (expected === 'WitnessInvalid') rejected++
        }
      }
    }
    expect(rejected).toBeGreaterThan(1000) // the mutations do reach the checks
  })
})
