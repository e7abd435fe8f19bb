import type { Blake2fKernel } from '../../guest/blake2f.js'
import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { EVMBN254Interface } from '@ethereumjs/evm'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { executeBlocks, type BatchStats, type BlockRunner } from '../../guest/execute.js'
import { AncestorChain } from '../../guest/headers.js'
import { RecordingNodeStore } from '../../guest/state.js'
import type { ExecutionWitness } from '../../guest/types.js'

export interface RecordWitnessParams {
  common: Common
  /** Blocks to execute, consecutive, the first one's parent being the last of `ancestors`. */
  blocks: Block[]
  /** Contiguous ancestor headers, oldest first, ending at the parent of the first block (up to 256 useful). */
  ancestors: BlockHeader[]
  /** Full pre-state: trie nodes by hex hash and codes by 'c'-prefixed hash (see guest/state.ts). */
  preState: Map<string, Uint8Array>
  keccak256?: (b: Uint8Array) => Uint8Array
  /** Faster BN254 precompiles (see src/crypto/guestOptions.ts); default noble. */
  bn254?: EVMBN254Interface
  blake2f?: Blake2fKernel
  /** How blocks run: default L1; the L2 recorder passes guest/l2's runner. */
  runner?: BlockRunner
}

export interface RecordedWitness {
  witness: ExecutionWitness
  /** Set when execution failed: the witness then covers what was read up to the failure. */
  error?: unknown
  stats?: BatchStats
  /** Nodes the run wrote (the post-state's new nodes), for callers that keep a growing node set. */
  written: Map<string, Uint8Array>
}

/**
 * Run blocks statefully over a full pre-state, recording every trie node, code and ancestor header the run
 * reads, including the sibling a deletion needs to collapse a branch and the nodes the final state-root
 * computation touches. The guest's own execution code is used, so the witness is exactly what it will read.
 */
export async function recordWitness(params: RecordWitnessParams): Promise<RecordedWitness> {
  const keccak256 = params.keccak256 ?? keccak_256
  const store = new RecordingNodeStore(params.preState)
  let oldest: bigint | undefined
  const rawAncestors = params.ancestors.map((h) => h.serialize())
  const first = params.blocks[0]
  const chain = AncestorChain.fromWitness(rawAncestors, params.common, first.header.parentHash, keccak256, (n) => {
    if (oldest === undefined || n < oldest) oldest = n
  })
  const parentNumber = chain.parent.number
  let error: unknown
  let stats: BatchStats | undefined
  try {
    stats = (await executeBlocks(params.common, params.blocks, chain, store, { bn254: params.bn254, blake2f: params.blake2f, runner: params.runner })).stats
  } catch (e) {
    error = e
  }
  const from = oldest !== undefined && oldest < parentNumber ? oldest : parentNumber
  const headers = params.ancestors.filter((h) => h.number >= from && h.number <= parentNumber).map((h) => h.serialize())
  const { state, codes } = store.recorded()
  return { witness: { state, codes, keys: [], headers }, error, stats, written: store.writes() }
}
