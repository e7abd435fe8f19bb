import { bytesToUnprefixedHex } from '@ethereumjs/util'
import { WitnessInvalid } from './errors.js'
import { EMPTY_TRIE_ROOT_HEX, type NodeStore } from './state.js'
import { nibbleAt } from './trieReader.js'

/**
 * A trie node read in place: where each item's RLP starts in the node's bytes, nothing copied. The witness
 * bytes are immutable input, so values handed out are views into them (callers only compare or decode them).
 */
export interface NodeView {
  /** The stored node's RLP; an embedded node shares its parent's bytes. */
  readonly raw: Uint8Array
  /** Hash of the stored node these bytes belong to (unprefixed hex), for errors. */
  readonly hashHex: string
  /** Offset of item i's RLP header, for i < item count; the last entry is where the items end. */
  readonly at: number[]
  /** Children already resolved, by item index (null: an empty slot): the path walk skips hex conversion. */
  readonly kids: (NodeView | null | undefined)[]
}

/**
 * Synchronous Merkle-Patricia reads over the witness node store, like WitnessTrieReader (guest/trieReader.ts)
 * and exactly as strict, without copying: @ethereumjs/rlp's decode copies every item of every node (17 per
 * branch) on first touch. Each node is checked whole once (canonical RLP, no trailing bytes, 2 or 17 items),
 * with the same rules as that decoder; child references and leaf/extension paths are checked on the walk,
 * as there. A node the witness lacks throws WitnessIncomplete from the store.
 */
export class ViewTrieReader {
  private readonly nodes = new Map<string, NodeView>()
  /** Root nodes by the root's Uint8Array (the state layer keeps one per trie), null for the empty trie. */
  private readonly roots = new Map<Uint8Array, NodeView | null>()

  constructor(private readonly store: NodeStore) {}

  /** The value stored under a 32-byte (already hashed) key in the trie with this root, or undefined. */
  get(root: Uint8Array, hashedKey: Uint8Array): Uint8Array | undefined {
    let top = this.roots.get(root)
    if (top === undefined) {
      const rootHex = bytesToUnprefixedHex(root)
      top = rootHex === EMPTY_TRIE_ROOT_HEX ? null : this.node(rootHex)
      this.roots.set(root, top)
    }
    if (top === null) return undefined
    let node: NodeView = top
    let pos = 0 // nibble position in the key
    const nibbles = hashedKey.length * 2
    for (;;) {
      if (node.at.length === 18) {
        if (pos === nibbles) return valueAt(node, 16)
        const i = nibbleAt(hashedKey, pos++)
        let next: NodeView | null | undefined = node.kids[i]
        if (next === undefined) next = node.kids[i] = this.child(node, i)
        if (next === null) return undefined
        node = next
        continue
      }
      const { raw, at } = node
      const start = pathStart(node)
      const flag = raw[start]! >> 4
      const odd = flag & 1
      // Compare the node's nibbles with the key from `pos`.
      const pathNibbles = (at[1]! - start - 1) * 2 + odd
      if (pos + pathNibbles > nibbles) return undefined
      for (let k = 0; k < pathNibbles; k++) {
        const j = k - odd // nibble index after the flag byte
        const n = j < 0 ? raw[start]! & 0x0f : (raw[start + 1 + (j >> 1)]! >> (j & 1 ? 0 : 4)) & 0x0f
        if (n !== nibbleAt(hashedKey, pos + k)) return undefined
      }
      pos += pathNibbles
      if (flag >= 2) return pos === nibbles ? valueAt(node, 1) : undefined
      let next: NodeView | null | undefined = node.kids[1]
      if (next === undefined) next = node.kids[1] = this.child(node, 1)
      if (next === null) return undefined
      node = next
    }
  }

  /** The stored node with this 32-byte hash (for guest/trieWriter.ts; read once per run, callers must not modify it). */
  nodeByHash(hash: Uint8Array): NodeView {
    return this.node(bytesToUnprefixedHex(hash))
  }

  /** Item i of `node` as a child reference: the node it names, or null for an empty one. */
  private child(node: NodeView, i: number): NodeView | null {
    if (isList(node, i)) return embeddedAt(node, i)
    const { raw, at } = node
    const start = at[i]! + headerLength(raw[at[i]!]!)
    const length = at[i + 1]! - start
    if (length === 0) return null
    if (length !== 32) throw invalid(node, `child reference of ${length} bytes (expected a 32-byte hash or an embedded node)`)
    return this.node(bytesToUnprefixedHex(raw.subarray(start, start + 32)))
  }

  private node(hashHex: string): NodeView {
    let node = this.nodes.get(hashHex)
    if (node === undefined) {
      const raw = this.store.getSync(hashHex)
      if (raw === undefined) throw new WitnessInvalid('trie node', `0x${hashHex} is the empty trie root, not a node`)
      node = readNode(raw, hashHex)
      this.nodes.set(hashHex, node)
    }
    return node
  }
}

function invalid(node: { hashHex: string }, what: string): WitnessInvalid {
  return new WitnessInvalid('trie node', `0x${node.hashHex}: ${what}`)
}

/** Check a stored node whole and find its items. */
export function readNode(raw: Uint8Array, hashHex: string): NodeView {
  const node = { hashHex }
  if (raw.length === 0 || raw[0]! < 0xc0) throw invalid(node, 'not an RLP list')
  const end = itemEnd(raw, 0, raw.length, hashHex)
  if (end !== raw.length) throw invalid(node, `trailing bytes: the node's RLP ends at byte ${end} of ${raw.length}`)
  const at = items(raw, headerLength(raw[0]!), end, hashHex)
  if (at.length !== 18 && at.length !== 3) throw invalid(node, `a node has ${at.length - 1} items (expected 2 or 17)`)
  return { raw, hashHex, at, kids: [] }
}

/** Item i of `node`, a list, as an embedded node (null for the empty list, as in a child slot). */
export function embeddedAt(node: NodeView, i: number): NodeView | null {
  const { raw, at, hashHex } = node
  const at2 = items(raw, at[i]! + headerLength(raw[at[i]!]!), at[i + 1]!, hashHex)
  if (at2.length === 1) return null
  if (at2.length !== 18 && at2.length !== 3) throw invalid(node, `an embedded node has ${at2.length - 1} items (expected 2 or 17)`)
  return { raw, hashHex, at: at2, kids: [] }
}

export function isList(node: NodeView, i: number): boolean {
  return node.raw[node.at[i]!]! >= 0xc0
}

/** Item i of `node`, a byte string, as a view into the node's bytes. */
export function bytesAt(node: NodeView, i: number): Uint8Array {
  const { raw, at } = node
  return raw.subarray(at[i]! + headerLength(raw[at[i]!]!), at[i + 1]!)
}

/** Where the path of a leaf or extension starts (its flag byte); a path that is not a non-empty byte string is invalid. */
export function pathStart(node: NodeView): number {
  const { raw, at } = node
  const b = raw[at[0]!]!
  const start = at[0]! + headerLength(b)
  if (b >= 0xc0 || at[1] === start) throw invalid(node, 'leaf/extension path is not a byte string')
  return start
}

/** A leaf's or branch's value: undefined when empty, or a list (as WitnessTrieReader reads it). */
function valueAt(node: NodeView, i: number): Uint8Array | undefined {
  if (isList(node, i)) return undefined
  const v = bytesAt(node, i)
  return v.length === 0 ? undefined : v
}

/** Bytes of an item's RLP header, from its first byte (the length bytes were checked by itemEnd). */
function headerLength(b: number): number {
  if (b < 0x80) return 0 // a single byte is its own encoding
  if (b <= 0xb7) return 1
  if (b <= 0xbf) return 1 + b - 0xb7
  if (b <= 0xf7) return 1
  return 1 + b - 0xf7
}

/**
 * Header offsets of the items in [start, end) plus `end`, every nested item checked (iteratively: nesting
 * depth is the witness's choice).
 */
function items(raw: Uint8Array, start: number, end: number, hashHex: string): number[] {
  const top: number[] = []
  const outer: number[] = [] // ends of the enclosing lists
  let limit = end
  let p = start
  for (;;) {
    if (p === limit) {
      if (outer.length === 0) break
      limit = outer.pop()!
      continue
    }
    if (outer.length === 0) top.push(p)
    const next = itemEnd(raw, p, limit, hashHex)
    if (raw[p]! >= 0xc0) {
      outer.push(limit)
      limit = next
      p += headerLength(raw[p]!)
    } else p = next
  }
  top.push(end)
  return top
}

/**
 * End of the item at `p`, which must fit before `limit`, its header canonical. The rules of the decode of
 * @ethereumjs/rlp 10.1.3 (dist/esm/index.js, which WitnessTrieReader uses): a single byte below 0x80 is not
 * length-prefixed, a long-form length has no leading zero and is over 55.
 */
function itemEnd(raw: Uint8Array, p: number, limit: number, hashHex: string): number {
  const b = raw[p]!
  if (b < 0x80) return p + 1
  let end: number
  if (b <= 0xb7 || (b >= 0xc0 && b <= 0xf7)) {
    end = p + 1 + (b - (b <= 0xb7 ? 0x80 : 0xc0))
    if (end > limit) throw invalid({ hashHex }, `RLP item at byte ${p} runs past its end (${end} > ${limit})`)
    if (b === 0x81 && raw[p + 1]! < 0x80) throw invalid({ hashHex }, `non-canonical RLP at byte ${p}: a single byte below 0x80 with a length prefix`)
    return end
  }
  const n = b <= 0xbf ? b - 0xb7 : b - 0xf7
  if (p + 1 + n > limit) throw invalid({ hashHex }, `RLP item at byte ${p}: its length runs past its end`)
  if (raw[p + 1] === 0) throw invalid({ hashHex }, `non-canonical RLP at byte ${p}: a length with a leading zero`)
  let length = 0
  for (let i = 1; i <= n; i++) length = length * 256 + raw[p + i]!
  if (length < 56) throw invalid({ hashHex }, `non-canonical RLP at byte ${p}: long form for a length of ${length}`)
  end = p + 1 + n + length
  if (end > limit) throw invalid({ hashHex }, `RLP item at byte ${p} runs past its end (${end} > ${limit})`)
  return end
}
