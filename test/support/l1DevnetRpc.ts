/**
 * An L1 node stand-in for tests: blocks built on the embedded devnet (custom traffic), each with a witness
 * recorded for that block alone, served as eth_getBlockByNumber / debug_executionWitness by a scripted
 * JSON-RPC server on 127.0.0.1 (answers shaped like reth/ethrex: RPC block JSON, the list-form witness).
 */
import { bigIntToHex } from '@ethereumjs/util'
import { buildDevnetChain, recordDevnetBatches } from '../../src/devnet/chain.js'
import { customTraffic, type TrafficKind } from '../../src/devnet/traffic.js'
import { cacheBlockToRpc } from '../../src/rpc/header.js'
import type { CacheFile } from '../../src/witness/cache.js'
import { RpcFailure, startScriptedRpc, type Handler, type ScriptedRpc } from './scriptedRpc.js'

export interface L1DevnetNode extends ScriptedRpc {
  head: number
  perBlock: CacheFile[]
}

export async function startL1DevnetNode(blocks: number, txsPerBlock: number, kind: TrafficKind, extra: Record<string, Handler> = {}): Promise<L1DevnetNode> {
  const t = customTraffic(kind, txsPerBlock)
  const chain = await buildDevnetChain({ fork: 'cancun', alloc: t.alloc, blockCount: blocks, traffic: t.traffic, gasLimit: t.gasLimit })
  const perBlock = await recordDevnetBatches(chain, 1)
  const byNumber = (tag: unknown) => {
    const n = tag === 'latest' ? blocks : Number(BigInt(String(tag)))
    return n >= 1 && n <= blocks ? perBlock[n - 1] : undefined
  }
  const node = await startScriptedRpc({
    eth_chainId: () => bigIntToHex(BigInt(chain.chainConfig.chainId)),
    web3_clientVersion: () => 'tessera-scripted-devnet/1.0',
    eth_blockNumber: () => bigIntToHex(BigInt(blocks)),
    eth_getBlockByNumber: ([tag, full]) => {
      const cache = byNumber(tag)
      if (cache === undefined) return null
      const block = cacheBlockToRpc(cache.blocks[0] as never) as unknown as Record<string, unknown>
      const txs = block.transactions as { hash: string }[]
      return { ...block, transactions: full ? txs : txs.map((x) => x.hash) }
    },
    debug_executionWitness: ([tag]) => {
      const cache = byNumber(tag)
      if (cache === undefined) throw new RpcFailure(-32000, `block ${String(tag)} not found`)
      return cache.witness
    },
    ...extra,
  })
  return { ...node, head: blocks, perBlock }
}
