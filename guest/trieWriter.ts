import { RLP } from '@ethereumjs/rlp'
import { bytesToUnprefixedHex, equalsBytes } from '@ethereumjs/util'
import { WitnessInvalid } from './errors.js'
import { headerSize, stringSize, writeHeader } from './rlp.js'
import { EMPTY_TRIE_ROOT_HEX, type NodeStore } from './state.js'
import { WitnessTrieReader } from './trieReader.js'
import { bytesAt, embeddedAt, isList, pathStart, type NodeView, type ViewTrieReader } from './trieView.js'

type Item = Uint8Array | Item[]

/** A node being rewritten. `hash` is set while the node is as the store has it (untouched since loaded). */
type Node =
  | { kind: 'leaf'; path: number[]; value: Uint8Array; hash?: Uint8Array }
  | { kind: 'ext'; path: number[]; child: Ref; hash?: Uint8Array }
  | { kind: 'branch'; children: Ref[]; value: Uint8Array | undefined; hash?: Uint8Array }

/** A child: absent, a stored node not loaded yet (its 32-byte hash), or a loaded node. */
type Ref = undefined | Uint8Array | Node

const EMPTY = new Uint8Array(0)

/**
 * Batched Merkle-Patricia writes for the state root (guest/flatState.ts): all of a root's changes are applied to
 * one in-memory copy of the touched paths, then every changed node is encoded and hashed once, bottom-up.
 * @ethereumjs/mpt's `put`/`del` re-decode and re-hash the whole path from the leaf to the root for every key, so
 * a block that changes hundreds of accounts hashed the nodes near the root hundreds of times.
 *
 * The trie rules are the Yellow Paper's (appendix D): hex-prefix paths, a node whose RLP is shorter than 32
 * bytes is embedded in its parent instead of referenced by hash, the root is always hashed, and a branch left
 * with one child and no value merges into that child (the child node is then read: a deletion can need a
 * sibling node from the witness, as in every client). New nodes of 32 bytes or more go into the node store so
 * later reads (WitnessTrieReader) find them; nodes are read through the same reader and store as execution, so
 * the witness recorder records what this needs, and a missing node is WitnessIncomplete.
 *
 * Keys are given already hashed (the secure trie's keccak256 of the address or slot). With a ViewTrieReader
 * (guest/trieView.ts) stored nodes are read in place and changed nodes are encoded straight into one buffer
 * each (`encodeNode`); with a WitnessTrieReader, through @ethereumjs/rlp's decoded items and nested arrays
 * (kept to measure the two side by side; same roots, same errors).
 */
export function writeTrie(
  reader: WitnessTrieReader | ViewTrieReader,
  store: NodeStore,
  root: Uint8Array,
  puts: [key: Uint8Array, value: Uint8Array][],
  dels: Uint8Array[],
  keccak256: (b: Uint8Array) => Uint8Array,
): Uint8Array {
  const load =
    reader instanceof WitnessTrieReader
      ? (hash: Uint8Array): Node => fromItem(reader.decodedNode(bytesToUnprefixedHex(hash)), hash)
      : (hash: Uint8Array): Node => fromView(reader.nodeByHash(hash), hash)
  let top: Ref = bytesToUnprefixedHex(root) === EMPTY_TRIE_ROOT_HEX ? undefined : root
  for (const [key, value] of puts) {
    if (value.length === 0) throw new Error('writeTrie: empty values are deletions')
    top = insert(top, nibbles(key), 0, value, load)
  }
  for (const key of dels) {
    const next = remove(top, nibbles(key), 0, load)
    if (next !== ABSENT) top = next
  }
  if (top === undefined) return unprefixedToBytes(EMPTY_TRIE_ROOT_HEX)
  if (top instanceof Uint8Array) return top
  if (top.hash !== undefined) return top.hash
  const encoded = reader instanceof WitnessTrieReader ? RLP.encode(rawOf(top, store, keccak256)) : encodeNode(top, store, keccak256)
  const hash = keccak256(encoded)
  store.putSync(bytesToUnprefixedHex(hash), encoded)
  return hash
}

function insert(ref: Ref, key: number[], at: number, value: Uint8Array, load: (h: Uint8Array) => Node): Node {
  if (ref === undefined) return { kind: 'leaf', path: key.slice(at), value }
  const node = ref instanceof Uint8Array ? load(ref) : ref
  if (node.kind === 'branch') {
    if (at === key.length) node.value = value
    else node.children[key[at]!] = insert(node.children[key[at]!], key, at + 1, value, load)
    node.hash = undefined
    return node
  }
  const common = sharedLength(node.path, key, at)
  if (node.kind === 'leaf' && common === node.path.length && at + common === key.length) {
    if (equalsBytes(node.value, value)) return node
    return { kind: 'leaf', path: node.path, value }
  }
  if (node.kind === 'ext' && common === node.path.length) {
    node.child = insert(node.child, key, at + common, value, load)
    node.hash = undefined
    return node
  }
  // The paths part after `common` nibbles: a branch there holds the old node's rest and the new leaf.
  const branch: Node = { kind: 'branch', children: new Array<Ref>(16).fill(undefined), value: undefined }
  const rest = node.path.slice(common + 1)
  if (common === node.path.length) branch.value = (node as { value: Uint8Array }).value // a leaf that is a prefix of the key
  else if (node.kind === 'leaf') branch.children[node.path[common]!] = { kind: 'leaf', path: rest, value: node.value }
  else branch.children[node.path[common]!] = rest.length > 0 ? { kind: 'ext', path: rest, child: node.child } : node.child
  const keyAt = at + common
  if (keyAt === key.length) branch.value = value
  else branch.children[key[keyAt]!] = { kind: 'leaf', path: key.slice(keyAt + 1), value }
  return common > 0 ? { kind: 'ext', path: node.path.slice(0, common), child: branch } : branch
}

/** Returned by `remove` when the key is not in the subtree: nothing changed, nothing to rehash. */
const ABSENT = Symbol('absent')

/** The subtree without `key` (nodes on the path are changed in place), or ABSENT. */
function remove(ref: Ref, key: number[], at: number, load: (h: Uint8Array) => Node): Ref | typeof ABSENT {
  if (ref === undefined) return ABSENT
  const node = ref instanceof Uint8Array ? load(ref) : ref
  if (node.kind === 'leaf') {
    const same = node.path.length === key.length - at && sharedLength(node.path, key, at) === node.path.length
    return same ? undefined : ABSENT
  }
  if (node.kind === 'ext') {
    if (sharedLength(node.path, key, at) !== node.path.length) return ABSENT
    const child = remove(node.child, key, at + node.path.length, load)
    if (child === ABSENT) return ABSENT
    if (child === undefined) return undefined
    return prefixed(node.path, child, load)
  }
  if (at === key.length) {
    if (node.value === undefined) return ABSENT
    node.value = undefined
  } else {
    const i = key[at]!
    const child = remove(node.children[i], key, at + 1, load)
    if (child === ABSENT) return ABSENT
    node.children[i] = child
  }
  node.hash = undefined
  // A branch keeps at least two entries; with one left it becomes that entry, merged with its path.
  let only = -1
  let count = node.value === undefined ? 0 : 1
  for (let i = 0; i < 16; i++) {
    if (node.children[i] !== undefined) {
      count++
      only = i
    }
  }
  if (count >= 2) return node
  if (count === 0) return undefined
  if (only < 0) return { kind: 'leaf', path: [], value: node.value! }
  return prefixed([only], node.children[only]!, load)
}

/** `child` under the extra path nibbles `path`: merged into a leaf's or extension's own path. */
function prefixed(path: number[], child: Ref & object, load: (h: Uint8Array) => Node): Node {
  const node = child instanceof Uint8Array ? load(child) : child
  if (node.kind === 'leaf') return { kind: 'leaf', path: [...path, ...node.path], value: node.value }
  if (node.kind === 'ext') return { kind: 'ext', path: [...path, ...node.path], child: node.child }
  return { kind: 'ext', path, child: node }
}

/** The RLP item a parent holds for this node: the node itself if its encoding is under 32 bytes, else its hash. */
function refOf(ref: Ref, store: NodeStore, keccak256: (b: Uint8Array) => Uint8Array): Item {
  if (ref === undefined) return EMPTY
  if (ref instanceof Uint8Array) return ref
  if (ref.hash !== undefined) return ref.hash
  const raw = rawOf(ref, store, keccak256)
  const encoded = RLP.encode(raw)
  if (encoded.length < 32) return raw
  const hash = keccak256(encoded)
  store.putSync(bytesToUnprefixedHex(hash), encoded)
  ref.hash = hash
  return hash
}

function rawOf(node: Node, store: NodeStore, keccak256: (b: Uint8Array) => Uint8Array): Item[] {
  if (node.kind === 'leaf') return [hexPrefix(node.path, true), node.value]
  if (node.kind === 'ext') return [hexPrefix(node.path, false), refOf(node.child, store, keccak256)]
  const raw: Item[] = node.children.map((c) => refOf(c, store, keccak256))
  raw.push(node.value ?? EMPTY)
  return raw
}

/**
 * The node's RLP written into one buffer (same bytes as RLP.encode(rawOf(node))); changed children of 32 bytes
 * or more are stored and referenced by hash, smaller ones embedded.
 */
function encodeNode(node: Node, store: NodeStore, keccak256: (b: Uint8Array) => Uint8Array): Uint8Array {
  if (node.kind === 'branch') {
    const refs = new Array<Uint8Array | undefined>(16)
    let payload = node.value === undefined ? 1 : stringSize(node.value)
    for (let i = 0; i < 16; i++) payload += refSize((refs[i] = encodedRef(node.children[i], store, keccak256)))
    const out = new Uint8Array(headerSize(payload) + payload)
    let at = writeHeader(out, 0, payload, 0xc0)
    for (let i = 0; i < 16; i++) at = writeRef(out, at, refs[i])
    writeString(out, at, node.value ?? EMPTY)
    return out
  }
  const hpLength = 1 + (node.path.length >> 1) // hex-prefix bytes; one byte is 0x00-0x3f, its own encoding
  const pathSize = hpLength === 1 ? 1 : 1 + hpLength
  const second = node.kind === 'leaf' ? node.value : encodedRef(node.child, store, keccak256)
  const payload = pathSize + (node.kind === 'leaf' ? stringSize(node.value) : refSize(second))
  const out = new Uint8Array(headerSize(payload) + payload)
  let at = writeHeader(out, 0, payload, 0xc0)
  if (hpLength > 1) out[at++] = 0x80 + hpLength
  at = writeHexPrefix(out, at, node.path, node.kind === 'leaf', 0, node.path.length)
  if (node.kind === 'leaf') writeString(out, at, node.value)
  else writeRef(out, at, second)
  return out
}

/** A child as its parent holds it: undefined (empty), a 32-byte hash, or the RLP of an embedded node (under 32 bytes). */
function encodedRef(ref: Ref, store: NodeStore, keccak256: (b: Uint8Array) => Uint8Array): Uint8Array | undefined {
  if (ref === undefined || ref instanceof Uint8Array) return ref
  if (ref.hash !== undefined) return ref.hash
  const encoded = encodeNode(ref, store, keccak256)
  if (encoded.length < 32) return encoded
  const hash = keccak256(encoded)
  store.putSync(bytesToUnprefixedHex(hash), encoded)
  ref.hash = hash
  return hash
}

function refSize(ref: Uint8Array | undefined): number {
  return ref === undefined ? 1 : ref.length === 32 ? 33 : ref.length
}

function writeRef(out: Uint8Array, at: number, ref: Uint8Array | undefined): number {
  if (ref === undefined) {
    out[at] = 0x80
    return at + 1
  }
  if (ref.length === 32) out[at++] = 0xa0 // a hash; an embedded node's RLP goes in as it is
  out.set(ref, at)
  return at + ref.length
}

function writeString(out: Uint8Array, at: number, b: Uint8Array): number {
  if (b.length === 1 && b[0]! < 0x80) {
    out[at] = b[0]!
    return at + 1
  }
  at = writeHeader(out, at, b.length, 0x80)
  out.set(b, at)
  return at + b.length
}

/** A stored node read in place as a Node, checked as fromItem checks a decoded one; values and hashes are views. */
function fromView(view: NodeView, hash: Uint8Array | undefined): Node {
  if (view.at.length === 18) {
    const children = new Array<Ref>(16)
    for (let i = 0; i < 16; i++) children[i] = refAt(view, i)
    if (isList(view, 16)) throw new WitnessInvalid('trie node', `0x${view.hashHex}: a branch value is a list`)
    const v = bytesAt(view, 16)
    return { kind: 'branch', children, value: v.length === 0 ? undefined : v, hash }
  }
  const start = pathStart(view)
  const { raw, at } = view
  const flag = raw[start]! >> 4
  const path: number[] = []
  if (flag & 1) path.push(raw[start]! & 0x0f)
  for (let i = start + 1; i < at[1]!; i++) path.push(raw[i]! >> 4, raw[i]! & 0x0f)
  if (flag >= 2) {
    if (isList(view, 1)) throw new WitnessInvalid('trie node', `0x${view.hashHex}: a leaf value is a list`)
    return { kind: 'leaf', path, value: bytesAt(view, 1), hash }
  }
  const child = refAt(view, 1)
  if (child === undefined) throw new WitnessInvalid('trie node', `0x${view.hashHex}: an extension without a child`)
  return { kind: 'ext', path, child, hash }
}

function refAt(view: NodeView, i: number): Ref {
  if (isList(view, i)) {
    const embedded = embeddedAt(view, i)
    return embedded === null ? undefined : fromView(embedded, undefined)
  }
  const ref = bytesAt(view, i)
  if (ref.length === 0) return undefined
  if (ref.length !== 32) throw new WitnessInvalid('trie node', `0x${view.hashHex}: child reference of ${ref.length} bytes (expected a 32-byte hash or an embedded node)`)
  return ref
}

/** A stored node as a Node; embedded children become Nodes too (they have no hash of their own). */
function fromItem(item: Item[], hash: Uint8Array | undefined): Node {
  if (item.length === 17) {
    const children = item.slice(0, 16).map(childRef)
    const v = item[16]!
    if (!(v instanceof Uint8Array)) throw new WitnessInvalid('trie node', 'a branch value is a list')
    return { kind: 'branch', children, value: v.length === 0 ? undefined : v, hash }
  }
  if (item.length !== 2) throw new WitnessInvalid('trie node', `a node has ${item.length} items (expected 2 or 17)`)
  const encodedPath = item[0]
  if (!(encodedPath instanceof Uint8Array) || encodedPath.length === 0) throw new WitnessInvalid('trie node', 'leaf/extension path is not a byte string')
  const flag = encodedPath[0]! >> 4
  const path: number[] = []
  if (flag & 1) path.push(encodedPath[0]! & 0x0f)
  for (let i = 1; i < encodedPath.length; i++) path.push(encodedPath[i]! >> 4, encodedPath[i]! & 0x0f)
  if (flag >= 2) {
    const v = item[1]!
    if (!(v instanceof Uint8Array)) throw new WitnessInvalid('trie node', 'a leaf value is a list')
    return { kind: 'leaf', path, value: v, hash }
  }
  const child = childRef(item[1]!)
  if (child === undefined) throw new WitnessInvalid('trie node', 'an extension without a child')
  return { kind: 'ext', path, child, hash }
}

function childRef(item: Item): Ref {
  if (Array.isArray(item)) return item.length === 0 ? undefined : fromItem(item, undefined)
  if (item.length === 0) return undefined
  if (item.length !== 32) throw new WitnessInvalid('trie node', `child reference of ${item.length} bytes (expected a 32-byte hash or an embedded node)`)
  return item
}

/** Hex-prefix encoding (Yellow Paper appendix C) of path[from..to), leaf or extension. */
export function hexPrefix(path: ArrayLike<number>, leaf: boolean, from = 0, to = path.length): Uint8Array {
  const out = new Uint8Array(1 + ((to - from) >> 1))
  writeHexPrefix(out, 0, path, leaf, from, to)
  return out
}

/** Writes hexPrefix(path, leaf, from, to) at out[at..]; returns the index after it. */
function writeHexPrefix(out: Uint8Array, at: number, path: ArrayLike<number>, leaf: boolean, from: number, to: number): number {
  const odd = (to - from) & 1
  const length = 1 + ((to - from) >> 1)
  out[at] = ((leaf ? 2 : 0) + odd) << 4
  let j = from
  if (odd) out[at]! |= path[j++]!
  for (let i = 1; i < length; i++, j += 2) out[at + i] = (path[j]! << 4) | path[j + 1]!
  return at + length
}

/** The key's nibbles, high half of each byte first. */
export function nibbles(key: Uint8Array): number[] {
  const out = new Array<number>(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4
    out[2 * i + 1] = key[i]! & 0x0f
  }
  return out
}

function sharedLength(path: number[], key: number[], at: number): number {
  const n = Math.min(path.length, key.length - at)
  let i = 0
  while (i < n && path[i] === key[at + i]) i++
  return i
}

function unprefixedToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}
