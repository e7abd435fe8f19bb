import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessInvalid } from '../../../guest/errors.js'
import { EMPTY_TRIE_ROOT, decodeHexPrefix } from '../../trie/proof.js'
import { toHex } from '../hex.js'

/**
 * Walks the tries a witness holds, from the pre-state root, over the nodes it contains: which nodes are
 * reachable, where (trie, nibble path, account) each referenced hash sits, and which references point to
 * nodes the witness lacks. Used by `witness inspect` and to say *where* a missing node is.
 */
type Item = Uint8Array | Item[]

export interface TriePosition {
  /** 'state', or the account (0x-hash of the address, or the address when its preimage is known) owning a storage trie. */
  trie: string
  /** Nibble path from that trie's root, as hex digits. */
  path: string
  /** Node that references this position. */
  parent?: string
}

export interface TrieWalk {
  reachable: Set<string>
  /** Hashes referenced from reachable nodes, with where they sit (only the first sighting is kept). */
  positions: Map<string, TriePosition>
  /** Referenced but not in the witness (normal: untouched subtries are hashes only). */
  absent: Set<string>
  accounts: number
  storageTries: number
}

export function nodeIndex(state: Uint8Array[]): Map<string, Uint8Array> {
  return new Map(state.map((n) => [toHex(keccak_256(n)), n]))
}

/** keccak(preimage) -> preimage, for naming accounts and slots (keys are informational, never trusted). */
export function preimageIndex(keys: Uint8Array[]): Map<string, string> {
  return new Map(keys.map((k) => [toHex(keccak_256(k)), toHex(k)]))
}

const nibbles = (p: number[]) => p.map((n) => n.toString(16)).join('')

export function walkTries(rootHex: string, state: Uint8Array[], keys: Uint8Array[] = []): TrieWalk {
  const byHash = nodeIndex(state)
  const names = preimageIndex(keys)
  const walk: TrieWalk = { reachable: new Set(), positions: new Map(), absent: new Set(), accounts: 0, storageTries: 0 }
  const stack: { hash: string; trie: string; path: number[]; parent?: string }[] = [{ hash: rootHex.toLowerCase(), trie: 'state', path: [] }]
  walk.positions.set(rootHex.toLowerCase(), { trie: 'state', path: '' })
  const visitRef = (ref: Item, trie: string, path: number[], parent: string) => {
    if (ref instanceof Uint8Array) {
      if (ref.length === 32) {
        const h = toHex(ref)
        if (!walk.positions.has(h)) walk.positions.set(h, { trie, path: nibbles(path), parent })
        stack.push({ hash: h, trie, path, parent })
      }
      return
    }
    visitNode(ref, trie, path, parent)
  }
  const visitNode = (node: Item, trie: string, path: number[], self: string) => {
    if (!Array.isArray(node)) return
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) visitRef(node[i], trie, [...path, i], self)
      return
    }
    if (node.length !== 2 || !(node[0] instanceof Uint8Array)) return
    const { path: rest, leaf } = decodeHexPrefix(node[0])
    const full = [...path, ...rest]
    if (!leaf) return visitRef(node[1], trie, full, self)
    if (trie !== 'state' || !(node[1] instanceof Uint8Array)) return
    walk.accounts++
    let account: Item
    try {
      account = RLP.decode(node[1]) as Item
    } catch {
      return
    }
    if (!Array.isArray(account) || account.length !== 4 || !(account[2] instanceof Uint8Array) || account[2].length !== 32) return
    const storageRoot = toHex(account[2])
    if (storageRoot === EMPTY_TRIE_ROOT) return
    const accountHash = `0x${nibbles(full)}`
    walk.storageTries++
    const owner = names.get(accountHash) ?? `account hash ${accountHash}`
    if (!walk.positions.has(storageRoot)) walk.positions.set(storageRoot, { trie: `storage of ${owner}`, path: '', parent: self })
    stack.push({ hash: storageRoot, trie: `storage of ${owner}`, path: [], parent: self })
  }
  while (stack.length > 0) {
    const { hash, trie, path } = stack.pop()!
    if (walk.reachable.has(hash)) continue
    const raw = byHash.get(hash)
    if (raw === undefined) {
      walk.absent.add(hash)
      continue
    }
    walk.reachable.add(hash)
    let node: Item
    try {
      node = RLP.decode(raw) as Item
    } catch {
      continue
    }
    visitNode(node, trie, path, hash)
  }
  return walk
}

/**
 * The pre-state root of a headerless witness, for an explicitly unanchored run: the one node no other
 * witness node references (as a child or as an account's storage root). Ambiguity is an error.
 */
export function inferPreStateRoot(state: Uint8Array[], file: string): Uint8Array {
  const byHash = nodeIndex(state)
  const referenced = new Set<string>()
  const refsOf = (node: Item) => {
    if (!Array.isArray(node)) return
    const kids = node.length === 17 ? node.slice(0, 16) : node.length === 2 ? [node[1]] : []
    for (const k of kids) {
      if (k instanceof Uint8Array && k.length === 32) referenced.add(toHex(k))
      else if (Array.isArray(k)) refsOf(k)
    }
    if (node.length === 2 && node[1] instanceof Uint8Array && node[1].length > 32) {
      try {
        const acct = RLP.decode(node[1]) as Item
        if (Array.isArray(acct) && acct.length === 4 && acct[2] instanceof Uint8Array) referenced.add(toHex(acct[2]))
      } catch {
        /* not an account leaf */
      }
    }
  }
  for (const raw of byHash.values()) {
    try {
      refsOf(RLP.decode(raw) as Item)
    } catch {
      throw new WitnessInvalid(`${file}: state node ${toHex(keccak_256(raw))}`, 'not valid RLP')
    }
  }
  const roots = [...byHash.keys()].filter((h) => !referenced.has(h))
  if (roots.length !== 1) {
    throw new WitnessInvalid(`${file}: pre-state root`, `cannot tell the pre-state root from the witness alone (${roots.length} unreferenced nodes); give --parent-header instead`)
  }
  return Uint8Array.from(Buffer.from(roots[0].slice(2), 'hex'))
}
