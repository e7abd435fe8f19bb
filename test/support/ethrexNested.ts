import { BranchMPTNode, decodeMPTNode, ExtensionMPTNode, LeafMPTNode } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'

/**
 * The scripted ethrex peer's side of the nested ExecutionWitness, written here from ethrex's serde rules
 * (test/fixtures/ethrex-nested/README.md) and independent of Tessera's src/: nodes are decoded by
 * @ethereumjs/mpt, hashes by @noble/hashes.
 */

type J = any // eslint-disable-line @typescript-eslint/no-explicit-any

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const EMPTY_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
const EMPTY = { Hash: { Inline: [new Array(31).fill(0), 0] } }
const inline = (raw: Uint8Array) => ({ Hash: { Inline: [[...raw, ...new Array(31 - raw.length).fill(0)], raw.length] } })

/** ethrex's get_embedded_root + the account walk of execution_witness_from_rpc_chain_config, as JSON. */
export function nestedTriesFromFlat(state: Uint8Array[], stateRoot: Uint8Array): { state_trie_root: J; storage_trie_roots: J } {
  const byHash = new Map<string, Uint8Array>()
  for (const n of state) if (!(n.length === 1 && n[0] === 0x80)) byHash.set(hex(keccak_256(n)), n)
  const accounts: [string, string][] = []
  const ref = (child: J, path: number[]): J => {
    if (child === null || child.length === 0) return EMPTY
    if (child instanceof Uint8Array && child.length === 32) {
      const found = byHash.get(hex(child))
      return found ? { Node: [node(found, path)] } : { Hash: { Hashed: hex(child) } }
    }
    const raw = RLP.encode(child)
    const found = byHash.get(hex(keccak_256(raw)))
    return found ? { Node: [node(found, path)] } : inline(raw)
  }
  const node = (rlp: Uint8Array, path: number[]): J => {
    const n = decodeMPTNode(rlp)
    if (n instanceof BranchMPTNode) {
      return { Branch: { choices: n._branches.map((b, i) => ref(b, [...path, i])), value: [...(n._value ?? [])] } }
    }
    if (n instanceof ExtensionMPTNode) return { Extension: { prefix: { data: n.key(), already_consumed: [] }, child: ref(n.value(), [...path, ...n.key()]) } }
    const leaf = n as LeafMPTNode
    const full = [...path, ...leaf.key()]
    const account = full.length === 64 ? RLP.decode(leaf.value()) : undefined
    if (Array.isArray(account) && account.length === 4) {
      let key = '0x'
      for (const x of full) key += x.toString(16)
      accounts.push([key, hex(account[2] as Uint8Array)])
    }
    return { Leaf: { partial: { data: [...leaf.key(), 16], already_consumed: [] }, value: [...leaf.value()] } }
  }
  const rootRlp = byHash.get(hex(stateRoot))
  if (hex(stateRoot) === EMPTY_ROOT || rootRlp === undefined) return { state_trie_root: null, storage_trie_roots: {} }
  const stateJson = node(rootRlp, [])
  const storage: J = {}
  for (const [key, root] of accounts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const found = byHash.get(root)
    if (root !== EMPTY_ROOT && found) storage[key] = node(found, [])
  }
  return { state_trie_root: stateJson, storage_trie_roots: storage }
}

/** Re-hash an embedded trie as ethrex's `NodeRef::compute_hash` does; returns the root hash and account leaves. */
export function rehashNested(tree: J): { root: string; accounts: Map<string, string> } {
  const accounts = new Map<string, string>()
  const str = (b: Uint8Array) => RLP.encode(b)
  // RLP list of already-encoded items (inline children go in raw, so RLP.encode cannot be used for lists).
  const list = (items: Uint8Array[]) => {
    const payload = Buffer.concat(items)
    if (payload.length < 56) return Buffer.concat([Buffer.from([0xc0 + payload.length]), payload])
    let lenHex = payload.length.toString(16)
    if (lenHex.length % 2) lenHex = `0${lenHex}`
    return Buffer.concat([Buffer.from([0xf7 + lenHex.length / 2]), Buffer.from(lenHex, 'hex'), payload])
  }
  const compact = (nibbles: number[], leaf: boolean) => {
    const odd = nibbles.length % 2
    const all = [(leaf ? 2 : 0) + odd, ...(odd ? [] : [0]), ...nibbles]
    return Uint8Array.from({ length: all.length / 2 }, (_, i) => (all[2 * i] << 4) | all[2 * i + 1])
  }
  const refOf = (r: J, path: number[]): Uint8Array => {
    if (r.Node) {
      const rlp = encode(r.Node[0], path)
      return rlp.length < 32 ? rlp : str(keccak_256(rlp))
    }
    if (r.Hash.Hashed) return str(Buffer.from(r.Hash.Hashed.slice(2), 'hex'))
    const [buf, len] = r.Hash.Inline
    return len === 0 ? Uint8Array.of(0x80) : Uint8Array.from(buf.slice(0, len))
  }
  const encode = (n: J, path: number[]): Uint8Array => {
    if (n.Branch) return list([...n.Branch.choices.map((c: J, i: number) => refOf(c, [...path, i])), str(Uint8Array.from(n.Branch.value))])
    if (n.Extension) {
      const p = n.Extension.prefix.data
      return list([str(compact(p, false)), refOf(n.Extension.child, [...path, ...p])])
    }
    const p = n.Leaf.partial.data.slice(0, -1)
    const full = [...path, ...p]
    if (full.length === 64) {
      const account = RLP.decode(Uint8Array.from(n.Leaf.value)) as Uint8Array[]
      if (Array.isArray(account) && account.length === 4) accounts.set(`0x${full.map((x: number) => x.toString(16)).join('')}`, hex(account[2]))
    }
    return list([str(compact(p, true)), str(Uint8Array.from(n.Leaf.value))])
  }
  return { root: hex(keccak_256(encode(tree, []))), accounts }
}
