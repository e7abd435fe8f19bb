import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { decodeHexPrefix } from '../trie/proof.js'
import { toHex } from '../witness/hex.js'

/**
 * Finding a pre-state node that no proof of a touched key contains: the remaining sibling of a branch that a
 * deletion collapses, when that sibling is itself a branch (post-state proofs show only its hash).
 *
 * Its position in the trie is known (the parent branch and child index that reference its hash), so any key
 * whose hashed path starts with that position's nibbles is proven through it. Such a key is found by trying
 * preimages (addresses for the account trie, slots for a storage trie) until keccak256 matches the prefix:
 * 16^depth tries on average, cheap for the shallow tries of devnets and test nodes. An eth_getProof of that
 * key at the parent block then carries the node.
 */

export interface TrieRoot {
  /** undefined: the account trie; else the address whose storage trie this is. */
  owner?: string
  root: Uint8Array
}

export interface NodePosition {
  owner?: string
  /** Nibbles from the trie root to the node. */
  path: number[]
}

/** Largest prefix searched (16^6 ≈ 17 M hashes on average at most). */
export const MAX_SEARCH_DEPTH = 6

/** Position of every node referenced (present or not) from the nodes reachable in `nodes` from `roots`. */
export function positionOf(hash: string, roots: TrieRoot[], nodes: Map<string, Uint8Array>): NodePosition | undefined {
  for (const { owner, root } of roots) {
    const found = search(toHex(root), [], nodes, hash, new Set())
    if (found !== undefined) return { owner, path: found }
  }
  return undefined
}

function search(ref: string, path: number[], nodes: Map<string, Uint8Array>, target: string, seen: Set<string>): number[] | undefined {
  if (ref === target) return path
  if (seen.has(ref)) return undefined
  seen.add(ref)
  const raw = nodes.get(ref)
  if (raw === undefined) return undefined
  return searchNode(RLP.decode(raw) as unknown as unknown[], path, nodes, target, seen)
}

function searchNode(node: unknown[], path: number[], nodes: Map<string, Uint8Array>, target: string, seen: Set<string>): number[] | undefined {
  const child = (c: unknown, p: number[]) => {
    if (c instanceof Uint8Array && c.length === 32) return search(toHex(c), p, nodes, target, seen)
    if (Array.isArray(c)) return searchNode(c, p, nodes, target, seen) // node embedded (< 32 bytes)
    return undefined
  }
  if (node.length === 17) {
    for (let i = 0; i < 16; i++) {
      const r = child(node[i], [...path, i])
      if (r !== undefined) return r
    }
    return undefined
  }
  if (node.length === 2) {
    const { path: key, leaf } = decodeHexPrefix(node[0] as Uint8Array)
    return leaf ? undefined : child(node[1], [...path, ...key])
  }
  return undefined
}

function startsWith(hash: Uint8Array, nibbles: number[]): boolean {
  for (let i = 0; i < nibbles.length; i++) {
    const b = hash[i >> 1]
    if (((i & 1) === 0 ? b >> 4 : b & 15) !== nibbles[i]) return false
  }
  return true
}

/**
 * A preimage whose keccak256 starts with `nibbles`: a 20-byte address (account trie) or a 32-byte slot
 * (storage trie), counting up from 1. Undefined when the prefix is deeper than MAX_SEARCH_DEPTH.
 */
export function preimageWithPrefix(nibbles: number[], size: 20 | 32, keccak256: (b: Uint8Array) => Uint8Array = keccak_256): Uint8Array | undefined {
  if (nibbles.length > MAX_SEARCH_DEPTH) return undefined
  const candidate = new Uint8Array(size)
  const view = new DataView(candidate.buffer)
  const limit = 2 ** (4 * nibbles.length + 5)
  for (let i = 1; i <= limit; i++) {
    view.setUint32(size - 4, i)
    if (startsWith(keccak256(candidate), nibbles)) return candidate
  }
  return undefined
}
