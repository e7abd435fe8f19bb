import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { createAddressFromString } from '@ethereumjs/util'
import { createVM, runBlock } from '@ethereumjs/vm'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessIncomplete } from '../../guest/errors.js'
import type { ExecutionWitness } from '../../guest/types.js'
import { EMPTY_TRIE_ROOT, decodeHexPrefix, encodeHexPrefix, type AccountProofJson } from '../trie/proof.js'
import { TesseraError } from '../../guest/errors.js'
import { witnessFromJson } from '../witness/formats/witnessJson.js'
import { readRlp } from '../witness/formats/rlpShapes.js'
import { headerBytes } from '../witness/formats/resolve.js'
import { parseHex, toHex } from '../witness/hex.js'
import { isMethodNotFound, type Rpc } from './client.js'
import { headerFromRpc, type RpcBlock } from './header.js'
import { positionOf, preimageWithPrefix, type TrieRoot } from './siblings.js'
import { RecordingRpcState } from './state.js'
import { hostCrypto } from '../crypto/index.js'

/**
 * The witness for consecutive blocks, from an RPC node: `debug_executionWitness` when the node serves it,
 * otherwise built from eth_getProof:
 *  1. pre-execute the blocks over RecordingRpcState (state fetched on demand at the parent block), which
 *     records every account and slot touched and every BLOCKHASH asked for;
 *  2. witness = all proof nodes + the codes of touched contracts + parent..oldest-hashed ancestor headers;
 *  3. for keys the blocks delete, the trie must collapse a branch, which needs the sibling node. Post-state
 *     proofs (at the deleting block) show the collapsed node; the sibling's pre-state form is that node with
 *     the absorbed nibbles removed, kept only if a pre-state branch really references it by hash.
 *  4. a collapse whose remaining sibling is itself a branch: no proof of a touched key contains it; `extend`
 *     finds its position from the node that references it and proves another key through that position
 *     (src/rpc/siblings.ts).
 * Known limit: that search costs 16^depth hashes, so it stops at depth 6 (fine for devnets and test nodes;
 * deep mainnet tries need debug_executionWitness).
 */
export type WitnessSource = 'debug_executionWitness' | 'eth_getProof'

export interface RpcWitness {
  witness: ExecutionWitness
  source: WitnessSource
  /** Why debug_executionWitness was not used although the node serves it (the node's answer). */
  fallbackReason?: string
  /** Pre-state proofs the witness was built from (eth_getProof path), for checking in the verify pool. */
  proofs: AccountProofJson[]
  /** State root the proofs are against (the first block's parent), eth_getProof path only. */
  parentStateRoot?: string
  /** Try to add what a WitnessIncomplete names. Returns false when there is nothing more to try. */
  extend(missing: WitnessIncomplete): Promise<boolean>
}

export async function fetchBlock(rpc: Rpc, tag: bigint | 'latest', full = true): Promise<RpcBlock> {
  const t = typeof tag === 'bigint' ? `0x${tag.toString(16)}` : tag
  const b = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [t, full])
  if (b === null) throw new Error(`block ${tag} not found on the node`)
  return b
}

class NodeSet {
  readonly items = new Map<string, Uint8Array>()
  add(hex: string): void {
    const h = hex.toLowerCase()
    // "0x80" is the empty trie's root node as Hardhat/geth serve it for empty storage: not a real node.
    if (h === '0x80') return
    if (!this.items.has(h)) this.items.set(h, parseHex(h, 'proof node'))
  }
  addBytes(b: Uint8Array): void {
    this.items.set(toHex(b), b)
  }
  hashes(): Set<string> {
    return new Set([...this.items.values()].map((n) => toHex(keccak_256(n))))
  }
  list(): Uint8Array[] {
    return [...this.items.values()]
  }
}

/** Hashes referenced by the branch and extension nodes of a node set. */
function referencedHashes(nodes: Iterable<Uint8Array>): Set<string> {
  const out = new Set<string>()
  for (const raw of nodes) {
    const n = RLP.decode(raw) as unknown as (Uint8Array | unknown[])[]
    if (!Array.isArray(n)) continue
    const refs = n.length === 17 ? n.slice(0, 16) : n.length === 2 && !decodeHexPrefix(n[0] as Uint8Array).leaf ? [n[1]] : []
    for (const r of refs) if (r instanceof Uint8Array && r.length === 32) out.add(toHex(r))
  }
  return out
}

/** Pre-collapse forms of a post-state leaf/extension: the same node with 1..len leading nibbles removed. */
function uncollapsedForms(raw: Uint8Array): Uint8Array[] {
  const n = RLP.decode(raw) as unknown as Uint8Array[]
  if (!Array.isArray(n) || n.length !== 2) return []
  const { path, leaf } = decodeHexPrefix(n[0])
  const out: Uint8Array[] = []
  for (let k = 1; k <= path.length - (leaf ? 0 : 1); k++) out.push(RLP.encode([encodeHexPrefix(path.slice(k), leaf), n[1]]))
  return out
}

/**
 * `debug_executionWitness` for each block, in any form nodes serve (ethrex/reth list form, reth 2024 map form,
 * geth's JSON headers), merged. A witness without the parent header gets it from the node (hash-checked by the
 * guest like any header). Returns undefined when the method is not served; throws with the node's answer when
 * it is served but unusable.
 */
async function debugWitness(rpc: Rpc, blocks: RpcBlock[], common: Common): Promise<ExecutionWitness | undefined> {
  const parts: ExecutionWitness[] = []
  for (const b of blocks) {
    let answer: unknown
    try {
      answer = await rpc.request('debug_executionWitness', [b.number])
    } catch (e) {
      if (isMethodNotFound(e)) return undefined
      throw new UnusableWitness(`the node answered ${errorText(e)}`)
    }
    try {
      // Some nodes answer with geth's ExtWitness as RLP hex instead of JSON.
      const rlpPart = typeof answer === 'string' ? readRlp(parseHex(answer, `debug_executionWitness(${b.number})`), `debug_executionWitness(${b.number})`)?.find((p) => p.kind === 'witness') : undefined
      if (typeof answer === 'string' && rlpPart?.kind !== 'witness') throw new Error('a hex string that is not an RLP ExtWitness')
      const w = rlpPart?.kind === 'witness' ? rlpPart.witness : witnessFromJson(answer, `debug_executionWitness(${b.number})`)
      parts.push({ state: w.state, codes: w.codes, keys: w.keys, headers: w.headers.map((h) => headerBytes(h, common.copy())) })
    } catch (e) {
      throw new UnusableWitness(`its answer is not a usable witness: ${(e as Error).message}`)
    }
  }
  const uniq = (l: Uint8Array[]) => [...new Map(l.map((x) => [toHex(x), x])).values()]
  const headers = uniq(parts.flatMap((p) => p.headers))
  const parentHash = blocks[0].parentHash.toLowerCase()
  if (!headers.some((h) => toHex(keccak_256(h)) === parentHash)) {
    const parent = await fetchBlock(rpc, BigInt(blocks[0].number) - 1n, false)
    headers.push(headerFromRpc(parent, common.copy()).serialize())
  }
  return {
    state: uniq(parts.flatMap((p) => p.state)),
    codes: uniq(parts.flatMap((p) => p.codes)),
    keys: uniq(parts.flatMap((p) => p.keys)),
    headers,
  }
}

/** The node serves debug_executionWitness but its answer cannot be used; replay falls back to eth_getProof. */
export class UnusableWitness extends TesseraError {}

function errorText(e: unknown): string {
  const err = e as { details?: string; shortMessage?: string; message?: string }
  return JSON.stringify(err?.details ?? err?.shortMessage ?? err?.message ?? String(e)).slice(0, 300)
}

export interface WitnessOptions {
  /** Skip debug_executionWitness even if served. */
  forceProofs?: boolean
  /** Called once per method probe so the CLI can say which path it took. */
  onSource?: (source: WitnessSource) => void
}

/** Cache of "does this node serve debug_executionWitness" per RPC URL. */
const debugServed = new Map<string, boolean>()

/**
 * Witness for `blocks` (consecutive, RPC JSON with full transactions; `decoded` are the same blocks as
 * ethereumjs Blocks built with `common`).
 */
export async function witnessFromRpc(
  rpc: Rpc,
  blocks: RpcBlock[],
  decoded: Block[],
  common: Common,
  opts: WitnessOptions = {},
): Promise<RpcWitness> {
  let fallbackReason: string | undefined
  if (!opts.forceProofs && debugServed.get(rpc.url) !== false) {
    try {
      const w = await debugWitness(rpc, blocks, common)
      debugServed.set(rpc.url, w !== undefined)
      if (w !== undefined) {
        opts.onSource?.('debug_executionWitness')
        return { witness: w, source: 'debug_executionWitness', proofs: [], extend: async () => false }
      }
    } catch (e) {
      if (!(e instanceof UnusableWitness)) throw e
      fallbackReason = `debug_executionWitness not used: ${e.message}`
    }
  }
  opts.onSource?.('eth_getProof')
  if (fallbackReason === undefined) return proofWitness(rpc, blocks, decoded, common)
  let w: RpcWitness
  try {
    w = await proofWitness(rpc, blocks, decoded, common)
  } catch (e) {
    // Neither path worked: say what the node answered to both.
    throw new TesseraError(`eth_getProof fallback failed: ${(e as Error).message} (${fallbackReason})`)
  }
  return Object.assign(w, { fallbackReason })
}

async function proofWitness(rpc: Rpc, blocks: RpcBlock[], decoded: Block[], common: Common): Promise<RpcWitness> {
  const first = decoded[0].header
  const parentNumber = first.number - 1n
  const parentTag = `0x${parentNumber.toString(16)}`
  const parentJson = await fetchBlock(rpc, parentNumber, false)
  const parent = headerFromRpc(parentJson, common.copy())
  const state = new RecordingRpcState(rpc, parentTag, parent.stateRoot, common)

  // Ancestor headers by number, fetched on demand for BLOCKHASH and kept for the witness.
  const headers = new Map<bigint, Uint8Array>([[parentNumber, parent.serialize()]])
  const hashes = new Map<bigint, Uint8Array>([[parentNumber, parent.hash()]])
  for (const b of decoded) hashes.set(b.header.number, b.hash())
  let oldest = parentNumber
  const blockchain = {
    async getBlock(n: number | bigint) {
      const num = BigInt(n)
      if (!hashes.has(num)) {
        const h = headerFromRpc(await fetchBlock(rpc, num, false), common.copy())
        headers.set(num, h.serialize())
        hashes.set(num, h.hash())
      }
      if (num < oldest) oldest = num
      const hash = hashes.get(num)!
      return { hash: () => hash }
    },
    async putBlock() {},
    shallowCopy() {
      return this
    },
    async validateHeader() {},
  }

  const vm = await createVM({ common: common.copy(), stateManager: state, blockchain: blockchain as never, setHardfork: true })
  const nodes = new NodeSet()
  const deletions: { address: string; slot?: string; atBlock: bigint }[] = []

  for (const block of decoded) {
    // One JSON-RPC batch for the accounts every block touches for sure.
    await state.prefetch([
      block.header.coinbase.toString(),
      ...block.transactions.flatMap((tx) => [tx.getSenderAddress().toString(), ...(tx.to ? [tx.to.toString()] : [])]),
      ...(block.withdrawals ?? []).map((w) => w.address.toString()),
    ])
    const before = snapshot(state)
    await runBlock(vm, { block, generate: true, skipBlockValidation: true, skipHeaderValidation: true, setHardfork: true, skipHardForkValidation: true })
    // Anything written without being read first (system writes) still needs its pre-state proof.
    for (const k of state.storageStack[state.storageStack.length - 1].keys()) {
      if (!state.preStorage.has(k)) {
        const [addr, slot] = k.split('_')
        await state.getStorage(createAddressFromString(addr), parseHex(slot, 'slot'))
      }
    }
    // Keys first loaded during this block started from their pre-state value.
    const after = snapshot(state)
    for (const [addr, exists] of after.accounts) {
      const existed = before.accounts.get(addr) ?? state.preExisting.has(addr)
      if (existed && !exists) deletions.push({ address: addr, atBlock: block.header.number })
    }
    for (const [k, v] of after.storage) {
      const was = before.storage.get(k) ?? state.preStorage.get(k) ?? 0n
      const [addr, slot] = k.split('_')
      if (was !== 0n && v === 0n) deletions.push({ address: addr, slot, atBlock: block.header.number })
    }
  }

  const proofs = [...state.proofs.values()]
  for (const p of proofs) {
    p.accountProof.forEach((n) => nodes.add(n))
    for (const s of p.storageProof) s.proof.forEach((n) => nodes.add(n))
  }

  // Branch collapses: post-state proofs of deleted keys, turned back into the pre-state sibling nodes.
  const addCollapseSiblings = async (keys: typeof deletions): Promise<number> => {
    const wanted = referencedHashes(nodes.list())
    const have = nodes.hashes()
    let added = 0
    for (const d of keys) {
      const post = await rpc.request<AccountProofJson>('eth_getProof', [d.address, d.slot ? [d.slot] : [], `0x${d.atBlock.toString(16)}`])
      const postNodes = d.slot ? post.storageProof[0].proof : post.accountProof
      for (const hex of postNodes) {
        for (const form of uncollapsedForms(parseHex(hex, 'post-state node'))) {
          const h = toHex(keccak_256(form))
          if (wanted.has(h) && !have.has(h)) {
            nodes.addBytes(form)
            have.add(h)
            added++
          }
        }
      }
    }
    return added
  }
  await addCollapseSiblings(deletions)

  const keys: Uint8Array[] = []
  for (const p of proofs) {
    keys.push(parseHex(p.address, 'address'))
    for (const s of p.storageProof) keys.push(parseHex(s.key, 'slot'))
  }
  const orderedHeaders = () =>
    [...headers.entries()].filter(([n]) => n >= oldest).sort((a, b) => (a[0] > b[0] ? -1 : 1)).map(([, h]) => h)
  // A chain from the parent down to the oldest hashed ancestor must be contiguous.
  for (let n = parentNumber - 1n; n >= oldest; n--) {
    if (!headers.has(n)) await blockchain.getBlock(n)
  }

  const witness: ExecutionWitness = {
    state: nodes.list(),
    codes: [...state.codes.values()],
    keys,
    headers: orderedHeaders(),
  }
  // A node no touched key's proof passes through (a collapsing branch's remaining sibling that is itself a
  // branch): prove some other key whose path runs through that node's position (src/rpc/siblings.ts).
  const addThroughPosition = async (hash: string): Promise<boolean> => {
    const byHash = new Map(nodes.list().map((n) => [toHex(keccak_256(n)), n]))
    const roots: TrieRoot[] = [{ root: parent.stateRoot }]
    for (const p of proofs) if (!/^0x0*$/.test(p.storageHash) && p.storageHash.toLowerCase() !== EMPTY_TRIE_ROOT) roots.push({ owner: p.address, root: parseHex(p.storageHash, 'storageHash') })
    const position = positionOf(hash, roots, byHash)
    if (position === undefined) return false
    const preimage = preimageWithPrefix(position.path, position.owner === undefined ? 20 : 32, hostCrypto().keccak256)
    if (preimage === undefined) return false
    const proof = await rpc.request<AccountProofJson>(
      'eth_getProof',
      position.owner === undefined ? [toHex(preimage), [], parentTag] : [position.owner, [toHex(preimage)], parentTag],
    )
    proof.accountProof.forEach((n) => nodes.add(n))
    for (const sp of proof.storageProof) sp.proof.forEach((n) => nodes.add(n))
    witness.state = nodes.list()
    return nodes.hashes().has(hash)
  }
  let triedAllKeys = false
  return {
    witness,
    source: 'eth_getProof',
    proofs,
    parentStateRoot: toHex(parent.stateRoot),
    async extend(missing) {
      if (missing.kind === 'header') {
        const m = /(\d+)/.exec(missing.what)
        if (m === null) return false
        const n = BigInt(m[1])
        if (n >= oldest || n < 0n) return false
        for (let k = oldest - 1n; k >= n; k--) await blockchain.getBlock(k)
        oldest = n
        witness.headers = orderedHeaders()
        return true
      }
      if (missing.kind === 'node' && (await addThroughPosition(missing.what.toLowerCase()))) return true
      if (missing.kind === 'node' && !triedAllKeys) {
        // Collapse through a key we did not see deleted (e.g. emptied by clearStorage): try every touched key.
        triedAllKeys = true
        const last = decoded[decoded.length - 1].header.number
        const all = proofs.flatMap((p) => [
          { address: p.address, atBlock: last },
          ...p.storageProof.map((s) => ({ address: p.address, slot: s.key, atBlock: last })),
        ])
        const added = await addCollapseSiblings(all)
        witness.state = nodes.list()
        return added > 0
      }
      return false
    },
  }
}

function snapshot(state: RecordingRpcState): { accounts: Map<string, boolean>; storage: Map<string, bigint> } {
  const accounts = new Map<string, boolean>()
  for (const [a, acc] of state.accountStack[state.accountStack.length - 1]) accounts.set(a, acc !== undefined)
  const storage = new Map<string, bigint>()
  for (const [k, v] of state.storageStack[state.storageStack.length - 1]) storage.set(k, v.length === 0 ? 0n : BigInt(toHex(v)))
  return { accounts, storage }
}
