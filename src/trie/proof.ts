import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { TesseraError } from '../../guest/errors.js'
import { parseHex, toHex } from '../witness/hex.js'

/**
 * EIP-1186 (eth_getProof) proof checks: walk the proof nodes from a root along keccak256(key), hash-linking
 * every step, and compare what the walk finds (a value, or proven absence) with what the node claimed.
 */

export const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
export const EMPTY_CODE_HASH = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

/** eth_getProof response (hex strings as served). */
export interface AccountProofJson {
  address: string
  balance: string
  nonce: string
  codeHash: string
  storageHash: string
  accountProof: string[]
  storageProof: { key: string; value: string; proof: string[] }[]
}

/** A proof does not prove what the node claimed. Names the account, the slot and the failing node. */
export class ProofInvalid extends TesseraError {
  readonly address: string
  readonly slot?: string
  /** Index into the proof list of the node where the walk failed (-1 when not node-specific). */
  readonly nodeIndex: number
  readonly reason: string
  constructor(address: string, slot: string | undefined, nodeIndex: number, reason: string) {
    const what = slot === undefined ? `account ${address}` : `storage ${address} slot ${slot}`
    const at = nodeIndex >= 0 ? ` at proof node ${nodeIndex}` : ''
    super(`proof invalid for ${what}${at}: ${reason}`, 'the RPC node served an inconsistent proof; retry or use another node')
    this.address = address
    this.slot = slot
    this.nodeIndex = nodeIndex
    this.reason = reason
  }
}

type Node = Uint8Array | Node[]

function nibbles(key: Uint8Array): number[] {
  const out: number[] = []
  for (const b of key) out.push(b >> 4, b & 15)
  return out
}

/** Hex-prefix decode: [path nibbles, isLeaf]. */
export function decodeHexPrefix(encoded: Uint8Array): { path: number[]; leaf: boolean } {
  const all = nibbles(encoded)
  const flag = all[0]
  if (flag === undefined || flag > 3) throw new Error(`bad hex-prefix flag ${flag}`)
  return { path: all.slice(flag & 1 ? 1 : 2), leaf: flag >= 2 }
}

export function encodeHexPrefix(path: number[], leaf: boolean): Uint8Array {
  const odd = path.length % 2 === 1
  const all = [(leaf ? 2 : 0) + (odd ? 1 : 0), ...(odd ? [] : [0]), ...path]
  const out = new Uint8Array(all.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = (all[2 * i] << 4) | all[2 * i + 1]
  return out
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * Walk `proof` from `root` along keccak256(key). Returns the leaf value, or undefined when the proof shows
 * the key is absent. Throws a plain Error with `nodeIndex` set; callers wrap it into ProofInvalid.
 */
export function walkProof(root: Uint8Array, key: Uint8Array, proof: Uint8Array[]): Uint8Array | undefined {
  const path = nibbles(keccak_256(key))
  let pos = 0
  let index = 0
  let ref: Node = root
  const fail = (reason: string, at = index): never => {
    throw Object.assign(new Error(reason), { nodeIndex: at })
  }
  for (;;) {
    let node: Node
    if (ref instanceof Uint8Array) {
      if (ref.length === 0) return undefined
      if (ref.length !== 32) fail(`reference of ${ref.length} bytes is neither a hash nor an embedded node`)
      const raw = proof[index]
      if (raw === undefined) fail(`proof ends before the key's path does (expected a node hashing to ${toHex(ref)})`)
      if (!eq(keccak_256(raw), ref)) fail(`node hash ${toHex(keccak_256(raw))} does not match the reference ${toHex(ref)}`)
      try {
        node = RLP.decode(raw) as Node
      } catch (e) {
        return fail(`node is not valid RLP (${(e as Error).message})`)
      }
      index++
    } else {
      node = ref // embedded node (< 32 bytes), already decoded
    }
    if (node instanceof Uint8Array) {
      // Only the empty trie's root node (RLP of the empty string) decodes to bytes.
      if (node.length === 0 && pos === 0) return undefined
      return fail('node decodes to a byte string, not a list', index - 1)
    }
    if (node.length === 17) {
      if (pos === path.length) return fail('branch at the end of a 32-byte key path', index - 1)
      ref = node[path[pos++]]
      continue
    }
    if (node.length !== 2 || !(node[0] instanceof Uint8Array)) return fail(`node is a list of ${node.length} items`, index - 1)
    let hp: { path: number[]; leaf: boolean }
    try {
      hp = decodeHexPrefix(node[0])
    } catch (e) {
      return fail((e as Error).message, index - 1)
    }
    const matches = hp.path.every((n, i) => path[pos + i] === n)
    if (hp.leaf) {
      if (!matches || pos + hp.path.length !== path.length) return undefined // another key's leaf: absence proven
      const value = node[1]
      if (!(value instanceof Uint8Array)) return fail('leaf value is a list', index - 1)
      return value
    }
    if (!matches) return undefined // extension diverges from our path: absence proven
    pos += hp.path.length
    ref = node[1]
  }
}

function quantity(hex: string, field: string): bigint {
  if (typeof hex !== 'string' || !/^0x[0-9a-fA-F]*$/.test(hex)) throw new Error(`${field} is not a hex quantity`)
  return hex === '0x' ? 0n : BigInt(hex)
}

function minimalBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0)
  let hex = v.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

function pad32(hex: string): Uint8Array {
  const b = parseHex(hex.length % 2 ? `0x0${hex.slice(2)}` : hex, 'slot')
  if (b.length > 32) throw new Error('slot longer than 32 bytes')
  const out = new Uint8Array(32)
  out.set(b, 32 - b.length)
  return out
}

/** Check the account part of an eth_getProof answer against a state root. */
export function verifyAccountProof(stateRoot: Uint8Array | string, p: AccountProofJson): void {
  const root = typeof stateRoot === 'string' ? parseHex(stateRoot, 'stateRoot') : stateRoot
  const address = p.address.toLowerCase()
  let found: Uint8Array | undefined
  try {
    const nodes = p.accountProof.map((n, i) => parseHex(n, `accountProof[${i}]`))
    found = walkProof(root, parseHex(address, 'address'), nodes)
  } catch (e) {
    throw new ProofInvalid(address, undefined, (e as { nodeIndex?: number }).nodeIndex ?? -1, (e as Error).message)
  }
  const nonce = quantity(p.nonce, 'nonce')
  const balance = quantity(p.balance, 'balance')
  const storageHash = /^0x0*$/.test(p.storageHash) ? EMPTY_TRIE_ROOT : p.storageHash.toLowerCase()
  const codeHash = /^0x0*$/.test(p.codeHash) ? EMPTY_CODE_HASH : p.codeHash.toLowerCase()
  if (found === undefined) {
    if (nonce !== 0n || balance !== 0n || storageHash !== EMPTY_TRIE_ROOT || codeHash !== EMPTY_CODE_HASH) {
      throw new ProofInvalid(address, undefined, -1, 'proof shows the account is absent but the answer claims a non-empty account')
    }
    return
  }
  const expected = RLP.encode([minimalBytes(nonce), minimalBytes(balance), parseHex(storageHash, 'storageHash'), parseHex(codeHash, 'codeHash')])
  if (!eq(found, expected)) {
    throw new ProofInvalid(address, undefined, p.accountProof.length - 1, `leaf holds ${toHex(found)}, the answer's fields encode to ${toHex(expected)}`)
  }
}

/** Check every storage proof of an eth_getProof answer against its storageHash. */
export function verifyStorageProofs(p: AccountProofJson): void {
  const address = p.address.toLowerCase()
  const root = parseHex(/^0x0*$/.test(p.storageHash) ? EMPTY_TRIE_ROOT : p.storageHash, 'storageHash')
  for (const s of p.storageProof) {
    let found: Uint8Array | undefined
    try {
      const nodes = s.proof.map((n, i) => parseHex(n, `storageProof proof[${i}]`))
      // An empty storage trie: some clients send [] (ganache), Hardhat/geth send ["0x80"].
      found = nodes.length === 0 && toHex(root) === EMPTY_TRIE_ROOT ? undefined : walkProof(root, pad32(s.key), nodes)
    } catch (e) {
      throw new ProofInvalid(address, s.key, (e as { nodeIndex?: number }).nodeIndex ?? -1, (e as Error).message)
    }
    const value = quantity(s.value, 'value')
    if (found === undefined) {
      if (value !== 0n) throw new ProofInvalid(address, s.key, -1, `proof shows the slot is empty but the answer claims ${s.value}`)
      continue
    }
    let stored: bigint
    try {
      const decoded = RLP.decode(found)
      if (!(decoded instanceof Uint8Array)) throw new Error('list')
      stored = decoded.length === 0 ? 0n : BigInt(toHex(decoded))
    } catch {
      throw new ProofInvalid(address, s.key, s.proof.length - 1, `leaf value ${toHex(found)} is not an RLP byte string`)
    }
    if (stored !== value) throw new ProofInvalid(address, s.key, s.proof.length - 1, `leaf holds ${stored}, the answer claims ${value}`)
  }
}

/** Account and storage proofs of one eth_getProof answer. */
export function verifyProof(stateRoot: Uint8Array | string, p: AccountProofJson): void {
  verifyAccountProof(stateRoot, p)
  verifyStorageProofs(p)
}
