import { createBlockHeaderFromRLP } from '@ethereumjs/block'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { WitnessIncomplete } from '../../../guest/errors.js'
import { hostCommon } from '../cache.js'
import { toHex } from '../hex.js'
import type { ResolvedInput } from './resolve.js'
import { walkTries, type TrieWalk } from './trieWalk.js'

/** Pre-state root a run starts from: the parent header's, or the trusted root of an unanchored run. */
export function preStateRootOf(r: ResolvedInput): string | undefined {
  if (r.program.unanchored !== undefined && r.program.witness.headers.length === 0) return toHex(r.program.unanchored.preStateRoot)
  const parentHash = toHex(r.blocks[0].header.parentHash)
  const raw = r.program.witness.headers.find((h) => toHex(keccak_256(h)) === parentHash)
  if (raw === undefined) return undefined
  return toHex(createBlockHeaderFromRLP(raw, { common: hostCommon(r.chainConfig), setHardfork: true, skipConsensusFormatValidation: true }).stateRoot)
}

export function walkInput(r: ResolvedInput): TrieWalk | undefined {
  const root = preStateRootOf(r)
  return root === undefined ? undefined : walkTries(root, r.program.witness.state, r.program.witness.keys)
}

/**
 * Say where a missing node sits (trie, nibble path, owning account) and which producer rule likely dropped
 * it. A node that is referenced nowhere in the pre-state tries is one the run created or needed after a
 * change (e.g. the sibling a deletion collapses into its parent).
 */
export function explainMissing(e: WitnessIncomplete, r: ResolvedInput, walk = walkInput(r)): string {
  const parts: string[] = []
  if (e.kind === 'node' && walk !== undefined) {
    const pos = walk.positions.get(e.what.toLowerCase())
    if (pos !== undefined) {
      parts.push(`the node sits in the ${pos.trie} trie at nibble path 0x${pos.path || '(root)'}${pos.parent ? `, referenced by node ${pos.parent}` : ''}`)
    } else {
      parts.push('no pre-state node references it: it is the child of a node the run rewrote')
    }
    const onPath = pos !== undefined && onReadPath(e.context ?? '', pos.path)
    if (onPath) parts.push(`it is on the path of the ${onPath} itself: the producer left out that key's proof (of presence, or of absence for a key the block creates)`)
    const deletion = !onPath && ((e.context ?? '').includes('state root') || (e.context ?? '').includes('storage write') || pos === undefined)
    if (deletion) parts.push('most likely the sibling a deletion needs to collapse a branch into its parent')
  }
  if (e.kind === 'header') parts.push('the witness lacks an ancestor header (BLOCKHASH or the parent)')
  if (r.loaded.producerRule !== undefined) parts.push(`producer rule: ${r.loaded.producerRule}`)
  return parts.join('; ')
}

/** Is `path` (hex nibbles) a prefix of the hashed key the failing read names ("account 0x…", "… slot 0x…")? */
function onReadPath(context: string, path: string): string | undefined {
  const slot = /slot (0x[0-9a-fA-F]{64})/.exec(context)
  const account = /account (0x[0-9a-fA-F]{40})/.exec(context)
  const key = slot ?? account
  if (key === null) return undefined
  const hashed = toHex(keccak_256(Buffer.from(key[1].slice(2), 'hex'))).slice(2)
  return path.length > 0 && hashed.startsWith(path) ? (slot ? `slot ${slot[1]}` : `account ${account![1]}`) : undefined
}

export interface WitnessReport {
  shape: string
  files: string[]
  blocks: { first: bigint; last: bigint; count: number; transactions: number }
  nodes: { count: number; bytes: number; reachable: number; unreachable: number; absentReferences: number }
  codes: { count: number; bytes: number }
  headers: { count: number; bytes: number }
  keys: number
  accounts: number
  storageTries: number
  preStateRoot?: string
  anchor: ResolvedInput['anchor']
  notes: string[]
}

export function inspectResolved(r: ResolvedInput): WitnessReport {
  const w = r.program.witness
  const sum = (l: Uint8Array[]) => l.reduce((n, b) => n + b.length, 0)
  const walk = walkInput(r)
  const uniqueNodes = new Set(w.state.map((n) => toHex(keccak_256(n)))).size
  return {
    shape: r.loaded.shape,
    files: r.loaded.files,
    blocks: {
      first: r.blocks[0].header.number,
      last: r.blocks[r.blocks.length - 1].header.number,
      count: r.blocks.length,
      transactions: r.blocks.reduce((n, b) => n + b.transactions.length, 0),
    },
    nodes: {
      count: w.state.length,
      bytes: sum(w.state),
      reachable: walk?.reachable.size ?? 0,
      unreachable: walk === undefined ? 0 : uniqueNodes - walk.reachable.size,
      absentReferences: walk?.absent.size ?? 0,
    },
    codes: { count: w.codes.length, bytes: sum(w.codes) },
    headers: { count: w.headers.length, bytes: sum(w.headers) },
    keys: w.keys.length,
    accounts: walk?.accounts ?? 0,
    storageTries: walk?.storageTries ?? 0,
    preStateRoot: preStateRootOf(r),
    anchor: r.anchor,
    notes: r.notes,
  }
}
