import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import type { ChainConfig, ProgramInput } from '../../guest/types.js'
import type { Rpc } from './client.js'
import { blockFromRpc, type RpcBlock } from './header.js'
import { fetchBlock, witnessFromRpc, type RpcWitness, type WitnessOptions } from './witness.js'

/** Consecutive blocks from a node, decoded and with their witness: everything a ProgramInput needs. */
export interface RpcBatch {
  blocks: RpcBlock[]
  decoded: Block[]
  chainConfig: ChainConfig
  common: Common
  witness: RpcWitness
}

let commons = new Map<string, Common>()

export function commonFor(config: ChainConfig): Common {
  const key = JSON.stringify(config)
  let c = commons.get(key)
  if (c === undefined) {
    c = commonFromChainConfig(config, guestCrypto())
    if (commons.size > 8) commons = new Map()
    commons.set(key, c)
  }
  return c.copy()
}

async function uncles(rpc: Rpc, b: RpcBlock): Promise<RpcBlock[]> {
  return Promise.all(b.uncles.map((_, i) => rpc.request<RpcBlock>('eth_getUncleByBlockHashAndIndex', [b.hash, `0x${i.toString(16)}`])))
}

export async function loadRpcBatch(
  rpc: Rpc,
  numbers: bigint[],
  chainConfig: ChainConfig,
  opts: WitnessOptions & { prefetched?: RpcBlock[] } = {},
): Promise<RpcBatch> {
  const blocks = opts.prefetched ?? (await Promise.all(numbers.map((n) => fetchBlock(rpc, n, true))))
  const common = commonFor(chainConfig)
  const decoded = await Promise.all(blocks.map(async (b) => blockFromRpc(b, common.copy(), await uncles(rpc, b))))
  const witness = await witnessFromRpc(rpc, blocks, decoded, common, opts)
  return { blocks, decoded, chainConfig, common, witness }
}

export function batchProgramInput(batch: RpcBatch): ProgramInput {
  return { blocks: batch.decoded.map((b) => b.serialize()), witness: batch.witness.witness, chainConfig: batch.chainConfig }
}
