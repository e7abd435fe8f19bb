import { RLP } from '@ethereumjs/rlp'
import { WitnessInvalid } from '../../../guest/errors.js'
import { hostCrypto } from '../../crypto/index.js'
import { decodeHexPrefix, encodeHexPrefix } from '../../trie/proof.js'
import { toHex } from '../../witness/hex.js'
import { ProtocolError } from '../errors.js'
import type { Json } from '../json.js'

/**
 * ethrex's trie `Node` as serde_json writes it, both ways: the embedded tries of ethrex's `ExecutionWitness`
 * (`state_trie_root`, `storage_trie_roots`) <-> the flat list of RLP nodes Tessera's guest reads.
 *
 * Followed: lambdaclass/ethrex@e8f2e60d799bddac9527ecb71d7fe1abfede18fa (main, 2026-03-26); every type below
 * derives serde with no attributes except the one noted:
 *   crates/common/trie/node.rs          `enum Node { Branch(Box<BranchNode>), Extension(ExtensionNode), Leaf(LeafNode) }`
 *                                       `enum NodeRef { Node(Arc<Node>, #[serde(skip)] OnceLock<NodeHash>), Hash(NodeHash) }`
 *                                       -> `{"Node":[<Node>]}` (a tuple variant with one field left) or `{"Hash":<NodeHash>}`
 *   crates/common/trie/node_hash.rs     `enum NodeHash { Hashed(H256), Inline(([u8; 31], u8)) }`
 *                                       -> `{"Hashed":"0x<64 hex>"}` or `{"Inline":[[31 numbers],len]}`; the empty
 *                                       slot is `Inline(([0; 31], 0))`
 *   crates/common/trie/node/branch.rs   `struct BranchNode { choices: [NodeRef; 16], value: Vec<u8> }`
 *   crates/common/trie/node/extension.rs `struct ExtensionNode { prefix: Nibbles, child: NodeRef }`
 *   crates/common/trie/node/leaf.rs     `struct LeafNode { partial: Nibbles, value: Vec<u8> }`
 *   crates/common/trie/nibbles.rs       `struct Nibbles { data: Vec<u8>, already_consumed: Vec<u8> }`; a leaf's
 *                                       `data` ends with the terminator 16 (`decode_compact`/`is_leaf`)
 *   crates/common/trie/rlp.rs           node RLP: a child whose RLP is under 32 bytes sits inline in its parent,
 *                                       others by keccak; the empty slot is 0x80
 *   crates/common/trie/trie.rs          `get_embedded_root`: starting at a root hash, every child found in the
 *                                       node map (keyed by keccak of its RLP, inline children too) is embedded,
 *                                       the others stay `Hash`; the empty trie is no node at all
 */

/** A nested witness that does not prove itself, or is not ethrex's shape; `field` is the JSON path. */
export class EmbeddedTrieInvalid extends ProtocolError {
  constructor(message: string, field: string) {
    super('malformed', message, field, 'the coordinator sent an ethrex ExecutionWitness whose embedded tries are not hash-linked or not ethrex\'s shape')
  }
}

export const EMPTY_TRIE_ROOT_HEX = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'

/** Nibbles of a 32-byte key; a valid secure-trie path is never longer. */
const KEY_NIBBLES = 64
const EMPTY_STRING = Uint8Array.of(0x80)
const HASH_HEX = /^0x[0-9a-fA-F]{64}$/
const CHOICE = Array.from({ length: 16 }, (_, i) => `.choices[${i}]`)
const STEP = Array.from({ length: 16 }, (_, i) => [i])

// ---------- RLP pieces (children arrive pre-encoded: inline nodes go in raw) ----------

function lengthPrefix(length: number, offset: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length)
  const bytes: number[] = []
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  return Uint8Array.from([offset + 55 + bytes.length, ...bytes])
}

function rlpString(b: Uint8Array): Uint8Array {
  if (b.length === 1 && b[0] < 0x80) return b
  return concat([lengthPrefix(b.length, 0x80), b])
}

function rlpList(encodedItems: Uint8Array[]): Uint8Array {
  let size = 0
  for (const item of encodedItems) size += item.length
  return concat([lengthPrefix(size, 0xc0), ...encodedItems])
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** How a parent's RLP refers to a child node: inline under 32 bytes, else by hash. */
function childReference(rlp: Uint8Array, keccak: (b: Uint8Array) => Uint8Array): Uint8Array {
  return rlp.length < 32 ? rlp : rlpString(keccak(rlp))
}

// ---------- reading: nested JSON -> flat nodes, re-hashed ----------

/** A JSON path built only when an error needs it. */
interface Path {
  parent?: Path
  segment: string
}
const at = (parent: Path, segment: string): Path => ({ parent, segment })
function pathText(p: Path): string {
  const parts: string[] = []
  for (let q: Path | undefined = p; q; q = q.parent) parts.push(q.segment)
  return parts.reverse().join('')
}

function fail(p: Path, message: string): never {
  throw new EmbeddedTrieInvalid(message, pathText(p))
}

function objectAt(v: Json | undefined, p: Path): { [key: string]: Json } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, 'expected an object')
  return v
}

/** `{"Variant": body}` with exactly one key, one of `allowed`. */
function variantAt(v: Json | undefined, p: Path, allowed: readonly string[]): [string, Json] {
  const o = objectAt(v, p)
  const keys = Object.keys(o)
  if (keys.length !== 1 || !allowed.includes(keys[0])) {
    fail(p, `expected one of ${allowed.map((a) => `{"${a}":…}`).join(', ')}, got keys [${keys.slice(0, 4).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}]`)
  }
  return [keys[0], o[keys[0]]]
}

function bytesAt(v: Json | undefined, p: Path, length?: number): Uint8Array {
  if (!Array.isArray(v)) fail(p, 'expected an array of byte values (serde Vec<u8>)')
  if (length !== undefined && v.length !== length) fail(p, `expected exactly ${length} numbers, got ${v.length}`)
  const out = new Uint8Array(v.length)
  for (let i = 0; i < v.length; i++) {
    const b = v[i]
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) fail(at(p, `[${i}]`), 'expected a byte value 0..255')
    out[i] = b
  }
  return out
}

/** `Nibbles`: `data` nibbles 0..15, a leaf's ending with 16 (returned without it). */
function nibblesAt(v: Json | undefined, p: Path, leaf: boolean): number[] {
  const o = objectAt(v, p)
  const data = o.data
  if (!Array.isArray(data)) fail(at(p, '.data'), 'expected an array of nibbles (serde Vec<u8>)')
  if (o.already_consumed !== undefined) bytesAt(o.already_consumed, at(p, '.already_consumed'))
  const end = leaf ? data.length - 1 : data.length
  if (leaf && data[end] !== 16) fail(at(p, '.data'), 'a leaf path must end with the terminator nibble 16')
  if (!leaf && end === 0) fail(at(p, '.data'), 'an extension prefix must not be empty')
  const path = new Array<number>(end)
  for (let i = 0; i < end; i++) {
    const n = data[i]
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 15) {
      fail(at(p, `.data[${i}]`), `nibble ${JSON.stringify(typeof n === 'bigint' ? String(n) : n)} is out of range 0..15${leaf ? ' (16 only ends a leaf path)' : ''}`)
    }
    path[i] = n
  }
  return path
}

export interface ReadTrie {
  /** keccak of the root node's RLP (what a header or account stores). */
  rootHash: Uint8Array
  /** RLP of every embedded node, root first. */
  nodes: Uint8Array[]
}

interface Account {
  storageRoot: Uint8Array
}

/**
 * Re-encode an embedded ethrex trie, bottom up, into RLP nodes and its root hash. With `accounts`, the full
 * path and storage root of every account leaf reached through embedded nodes are recorded (keyed by 0x-hex of
 * keccak(address)). Recursion is bounded: every node consumes at least one nibble of a 64-nibble key.
 */
export function readEmbeddedTrie(json: Json | undefined, field: string, accounts?: Map<string, Account>): ReadTrie {
  const keccak = hostCrypto().keccak256
  const nodes: Uint8Array[] = []
  const root: Path = { segment: field }

  /** A child reference; `prefix` + `step` is the child's path (built only for an embedded child). */
  const readRef = (v: Json | undefined, p: Path, prefix: number[], step: number[], allowEmpty: boolean): Uint8Array => {
    const [kind, body] = variantAt(v, p, ['Node', 'Hash'])
    if (kind === 'Node') {
      const q = at(p, '.Node')
      if (!Array.isArray(body) || body.length !== 1) fail(q, 'expected [<Node>] (NodeRef::Node serializes one field)')
      return childReference(readNode(body[0], at(q, '[0]'), [...prefix, ...step]), keccak)
    }
    const q = at(p, '.Hash')
    const [hashKind, hashBody] = variantAt(body, q, ['Hashed', 'Inline'])
    if (hashKind === 'Hashed') {
      const r = at(q, '.Hashed')
      if (typeof hashBody !== 'string' || !HASH_HEX.test(hashBody)) fail(r, 'expected 0x-hex of 32 bytes')
      return rlpString(Uint8Array.from(Buffer.from(hashBody.slice(2), 'hex')))
    }
    const r = at(q, '.Inline')
    if (!Array.isArray(hashBody) || hashBody.length !== 2) fail(r, 'expected [[31 byte values], length]')
    const buffer = hashBody[0]
    if (!Array.isArray(buffer) || buffer.length !== 31) fail(at(r, '[0]'), `expected exactly 31 numbers, got ${Array.isArray(buffer) ? buffer.length : typeof buffer}`)
    const len = hashBody[1]
    if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > 31) fail(at(r, '[1]'), 'expected a length 0..31')
    // The first `len` bytes are the child's own RLP, inline in the parent's (ethrex ignores the padding after
    // them, serde still wants bytes there); length 0 is the empty slot. Checked without allocating: a branch
    // usually has a dozen empty slots.
    const out = new Uint8Array(len)
    for (let i = 0; i < 31; i++) {
      const b = buffer[i]
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) fail(at(at(r, '[0]'), `[${i}]`), 'expected a byte value 0..255')
      if (i < len) out[i] = b
    }
    if (len === 0) {
      if (!allowEmpty) fail(r, 'an extension child must not be empty')
      return EMPTY_STRING
    }
    return out
  }

  const readNode = (v: Json | undefined, p: Path, prefix: number[]): Uint8Array => {
    if (prefix.length > KEY_NIBBLES) fail(p, `the path is ${prefix.length} nibbles deep, longer than a 32-byte key`)
    const [kind, body] = variantAt(v, p, ['Branch', 'Extension', 'Leaf'])
    const q = at(p, `.${kind}`)
    const o = objectAt(body, q)
    let rlp: Uint8Array
    if (kind === 'Branch') {
      if (!Array.isArray(o.choices) || o.choices.length !== 16) {
        fail(at(q, '.choices'), `expected 16 NodeRefs, got ${Array.isArray(o.choices) ? o.choices.length : typeof o.choices}`)
      }
      const refs = o.choices.map((c, i) => readRef(c, at(q, CHOICE[i]), prefix, STEP[i], true))
      rlp = rlpList([...refs, rlpString(bytesAt(o.value, at(q, '.value')))])
    } else if (kind === 'Extension') {
      const nibbles = nibblesAt(o.prefix, at(q, '.prefix'), false)
      const child = readRef(o.child, at(q, '.child'), prefix, nibbles, false)
      rlp = rlpList([rlpString(encodeHexPrefix(nibbles, false)), child])
    } else {
      const nibbles = nibblesAt(o.partial, at(q, '.partial'), true)
      const value = bytesAt(o.value, at(q, '.value'))
      const full = [...prefix, ...nibbles]
      if (full.length > KEY_NIBBLES) fail(at(q, '.partial'), `the key is ${full.length} nibbles, longer than a 32-byte key`)
      if (accounts && full.length === KEY_NIBBLES) {
        const storageRoot = accountStorageRoot(value)
        if (storageRoot) accounts.set(nibblesToHex(full), { storageRoot })
      }
      rlp = rlpList([rlpString(encodeHexPrefix(nibbles, true)), rlpString(value)])
    }
    nodes.push(rlp)
    return rlp
  }

  const rootRlp = readNode(json, root, [])
  // readNode pushes children before parents; the root is last. Put it first (it is what a reader starts from).
  nodes.pop()
  nodes.unshift(rootRlp)
  return { rootHash: keccak(rootRlp), nodes }
}

function nibblesToHex(nibbles: number[]): string {
  let s = '0x'
  for (const n of nibbles) s += n.toString(16)
  return s
}

/** An account leaf's value: rlp([nonce, balance, storageRoot, codeHash]); undefined when it is not one. */
function accountStorageRoot(value: Uint8Array): Uint8Array | undefined {
  try {
    const account = RLP.decode(value) as unknown
    if (Array.isArray(account) && account.length === 4 && account[2] instanceof Uint8Array && account[2].length === 32) return account[2]
  } catch {
    // not an account: ethrex skips such leaves when it looks for storage tries
  }
  return undefined
}

// ---------- writing: flat nodes -> nested JSON, as ethrex's get_embedded_root ----------

type RlpNode = Uint8Array | RlpNode[]

/** Nodes of a flat witness by 0x-hex keccak of their RLP (ethrex drops the 0x80 "null node" some producers add). */
export function nodesByHash(state: Uint8Array[]): Map<string, Uint8Array> {
  const keccak = hostCrypto().keccak256
  const out = new Map<string, Uint8Array>()
  for (const node of state) {
    if (node.length === 1 && node[0] === 0x80) continue
    out.set(toHex(keccak(node)), node)
  }
  return out
}

const nibbleJson = (path: number[]) => ({ data: path, already_consumed: [] as number[] })

/** The empty slot, shared: a branch has up to 16 of them and JSON output does not care. */
const EMPTY_SLOT_JSON: Json = { Hash: { Inline: [new Array<number>(31).fill(0), 0] } }

function inlineJson(raw: Uint8Array): Json {
  if (raw.length === 0) return EMPTY_SLOT_JSON
  const buffer = new Array<number>(31).fill(0)
  for (let i = 0; i < raw.length; i++) buffer[i] = raw[i]
  return { Hash: { Inline: [buffer, raw.length] } }
}

export interface EmbeddedTrie {
  json: Json
  /** Account leaves reached (state trie only): 0x-hex keccak(address) -> storage root. */
  accounts: Map<string, Uint8Array>
}

/**
 * The tree ethrex's `Trie::get_embedded_root` builds from `root` over `nodes`, as JSON; undefined for the
 * empty trie. Throws WitnessInvalid when the root is missing or a reachable node is not a trie node.
 */
export function embedTrie(root: Uint8Array, nodes: Map<string, Uint8Array>, what: string): EmbeddedTrie | undefined {
  const keccak = hostCrypto().keccak256
  const rootHex = toHex(root)
  if (rootHex === EMPTY_TRIE_ROOT_HEX) return undefined
  const rootRlp = nodes.get(rootHex)
  if (rootRlp === undefined) throw new WitnessInvalid(what, `the root node ${rootHex} is not in the witness`)
  const accounts = new Map<string, Uint8Array>()

  // A child as ethrex's `decode_child` reads it: 32-byte string = hash, empty = empty slot, else inline RLP.
  const ref = (item: RlpNode, prefix: number[]): Json => {
    // The empty slot stays empty (ethrex skips it in a branch; in an extension keccak("") is never a node).
    if (item instanceof Uint8Array && item.length === 0) return inlineJson(item)
    const hashed = item instanceof Uint8Array && item.length === 32
    const raw = hashed ? item : RLP.encode(item)
    if (!hashed && raw.length >= 32) throw new WitnessInvalid(`${what} node at path ${nibblesToHex(prefix)}`, `a child reference of ${raw.length} bytes is neither a hash nor an inline node`)
    const found = nodes.get(toHex(hashed ? item : keccak(raw)))
    if (found !== undefined) return { Node: [node(found, prefix)] }
    return hashed ? { Hash: { Hashed: toHex(item) } } : inlineJson(raw)
  }

  const node = (rlp: Uint8Array, prefix: number[]): Json => {
    const where = () => `${what} node ${toHex(keccak(rlp))} at path ${nibblesToHex(prefix)}`
    if (prefix.length > KEY_NIBBLES) throw new WitnessInvalid(where(), 'deeper than a 32-byte key')
    let items: RlpNode
    try {
      items = RLP.decode(rlp) as RlpNode
    } catch (e) {
      throw new WitnessInvalid(where(), `not RLP (${(e as Error).message})`)
    }
    if (!Array.isArray(items)) throw new WitnessInvalid(where(), 'not a list')
    if (items.length === 17) {
      const value = items[16]
      if (!(value instanceof Uint8Array)) throw new WitnessInvalid(where(), 'branch value is a list')
      const choices = items.slice(0, 16).map((c, i) => ref(c, [...prefix, i]))
      return { Branch: { choices, value: Array.from(value) } }
    }
    if (items.length !== 2 || !(items[0] instanceof Uint8Array)) throw new WitnessInvalid(where(), `a list of ${items.length} items is not a trie node`)
    let hp: { path: number[]; leaf: boolean }
    try {
      hp = decodeHexPrefix(items[0])
    } catch (e) {
      throw new WitnessInvalid(where(), (e as Error).message)
    }
    if (hp.leaf) {
      const value = items[1]
      if (!(value instanceof Uint8Array)) throw new WitnessInvalid(where(), 'leaf value is a list')
      const full = [...prefix, ...hp.path]
      if (full.length === KEY_NIBBLES) {
        const storageRoot = accountStorageRoot(value)
        if (storageRoot) accounts.set(nibblesToHex(full), storageRoot)
      }
      return { Leaf: { partial: nibbleJson([...hp.path, 16]), value: Array.from(value) } }
    }
    if (hp.path.length === 0) throw new WitnessInvalid(where(), 'extension with an empty prefix')
    return { Extension: { prefix: nibbleJson(hp.path), child: ref(items[1], [...prefix, ...hp.path]) } }
  }

  return { json: node(rootRlp, []), accounts }
}
