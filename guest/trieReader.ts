import { RLP } from '@ethereumjs/rlp'
import { bytesToUnprefixedHex } from '@ethereumjs/util'
import { WitnessInvalid } from './errors.js'
import { EMPTY_TRIE_ROOT_HEX, type NodeStore } from './state.js'

type Item = Uint8Array | Item[]

/**
 * Synchronous Merkle-Patricia reads over the witness node store: one path walk per account or slot, each node
 * RLP-decoded once per run. Reads only; writes go through @ethereumjs/mpt at state-root time
 * (guest/flatState.ts). A node the witness lacks throws WitnessIncomplete from the store, as for the MPT.
 */
export class WitnessTrieReader {
  private readonly decoded = new Map<string, Item[]>()

  constructor(private readonly store: NodeStore) {}

  /** The value stored under a 32-byte (already hashed) key in the trie with this root, or undefined. */
  get(root: Uint8Array, hashedKey: Uint8Array): Uint8Array | undefined {
    const rootHex = bytesToUnprefixedHex(root)
    if (rootHex === EMPTY_TRIE_ROOT_HEX) return undefined
    let node = this.node(rootHex)
    let pos = 0 // nibble position in the key
    const nibbles = hashedKey.length * 2
    for (;;) {
      if (node.length === 17) {
        if (pos === nibbles) return nonEmpty(node[16])
        const child = node[nibbleAt(hashedKey, pos)]!
        pos++
        const next = this.resolve(child)
        if (next === undefined) return undefined
        node = next
        continue
      }
      if (node.length !== 2) throw new WitnessInvalid('trie node', `a node has ${node.length} items (expected 2 or 17)`)
      const path = node[0]
      if (!(path instanceof Uint8Array) || path.length === 0) throw new WitnessInvalid('trie node', 'leaf/extension path is not a byte string')
      const flag = path[0]! >> 4
      const isLeaf = flag >= 2
      const odd = (flag & 1) === 1
      // Compare the node's nibbles with the key from `pos`.
      const pathNibbles = (path.length - 1) * 2 + (odd ? 1 : 0)
      if (pos + pathNibbles > nibbles) return undefined
      for (let i = 0; i < pathNibbles; i++) {
        const j = odd ? i - 1 : i
        const n = j < 0 ? path[0]! & 0x0f : (path[1 + (j >> 1)]! >> (j & 1 ? 0 : 4)) & 0x0f
        if (n !== nibbleAt(hashedKey, pos + i)) return undefined
      }
      pos += pathNibbles
      if (isLeaf) return pos === nibbles ? nonEmpty(node[1]!) : undefined
      const next = this.resolve(node[1]!)
      if (next === undefined) return undefined
      node = next
    }
  }

  private resolve(ref: Item): Item[] | undefined {
    if (Array.isArray(ref)) return ref.length === 0 ? undefined : ref // embedded node (< 32 bytes)
    if (ref.length === 0) return undefined
    if (ref.length !== 32) throw new WitnessInvalid('trie node', `child reference of ${ref.length} bytes (expected a 32-byte hash or an embedded node)`)
    return this.node(bytesToUnprefixedHex(ref))
  }

  /** The stored node with this hash, RLP-decoded (once per run; callers must not modify it). */
  decodedNode(hashHex: string): Item[] {
    return this.node(hashHex)
  }

  private node(hashHex: string): Item[] {
    let node = this.decoded.get(hashHex)
    if (node === undefined) {
      const raw = this.store.getSync(hashHex)
      if (raw === undefined) throw new WitnessInvalid('trie node', `0x${hashHex} is the empty trie root, not a node`)
      let item: Item
      try {
        item = RLP.decode(raw) as Item
      } catch (e) {
        throw new WitnessInvalid('trie node', `0x${hashHex}: ${(e as Error).message}`)
      }
      if (!Array.isArray(item)) throw new WitnessInvalid('trie node', `0x${hashHex} is not an RLP list`)
      node = item
      this.decoded.set(hashHex, node)
    }
    return node
  }
}

/** Nibble i of a key (high half of byte i/2 first). */
export function nibbleAt(key: Uint8Array, i: number): number {
  const b = key[i >> 1]!
  return i & 1 ? b & 0x0f : b >> 4
}

function nonEmpty(v: Item | undefined): Uint8Array | undefined {
  if (v === undefined || Array.isArray(v)) return undefined
  return v.length === 0 ? undefined : v
}
