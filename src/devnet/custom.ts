/**
 * `replay custom`'s input: blocks built on the embedded devnet with chosen traffic, and the witness the
 * recorder takes while building them. No node involved.
 */
import type { ProgramInput } from '../../guest/types.js'
import { cacheFileToProgramInput, type CacheFile } from '../witness/cache.js'
import { buildDevnetChain, recordDevnetBatches, type DevnetChain } from './chain.js'
import { customTraffic, CustomTrafficInvalid, MAX_CUSTOM_BLOCKS, type TrafficKind } from './traffic.js'

export interface CustomChainParams {
  blocks: number
  txsPerBlock: number
  kind: TrafficKind
  fork?: 'cancun' | 'prague'
}

export interface CustomBatch {
  chain: DevnetChain
  /** The blocks and their recorded witness as an ethrex-replay cache file (written with --cache-dir). */
  cache: CacheFile
  input: ProgramInput
}

export async function buildCustomBatch(params: CustomChainParams): Promise<CustomBatch> {
  if (!Number.isInteger(params.blocks) || params.blocks < 1 || params.blocks > MAX_CUSTOM_BLOCKS) {
    throw new CustomTrafficInvalid(`--blocks must be an integer from 1 to ${MAX_CUSTOM_BLOCKS}, got ${params.blocks}`)
  }
  const t = customTraffic(params.kind, params.txsPerBlock)
  const chain = await buildDevnetChain({ fork: params.fork ?? 'cancun', alloc: t.alloc, blockCount: params.blocks, traffic: t.traffic, gasLimit: t.gasLimit })
  // One witness for the whole run, like ethrex-replay's custom batch: the guest executes all blocks in one go.
  const [cache] = await recordDevnetBatches(chain, params.blocks)
  return { chain, cache, input: cacheFileToProgramInput(cache) }
}
