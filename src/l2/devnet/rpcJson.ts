import { bigIntToHex, bytesToHex } from '@ethereumjs/util'
import type { L2Block, L2Transaction } from '../../../guest/l2/block.js'
import { PrivilegedTransaction } from '../../../guest/l2/privilegedTx.js'
import { blockToCacheBlock } from '../../witness/rpcJson.js'

/**
 * An ethrex L2 block as `eth_getBlockByNumber` answers it (header fields, `hash`, transactions as hashes or
 * full objects with blockHash/blockNumber/transactionIndex; privileged transactions (type 0x7e) with their
 * own fields). `l2BlockFromRpc` in src/l2/rpc.ts reads exactly this back.
 */
export function l2RpcBlockJson(block: L2Block, full: boolean): Record<string, unknown> {
  const { header } = blockToCacheBlock({ ...block, transactions: [], uncleHeaders: [], withdrawals: undefined, header: block.header, hash: () => block.hash() } as never)
  const txs = block.transactions.map((_, i) => l2RpcTxJson(block, i))
  return { ...header, transactions: full ? txs : txs.map((t) => t.hash), uncles: [], size: '0x0' }
}

/** Transaction `i` of `block` as `eth_getTransactionByHash` answers it. */
export function l2RpcTxJson(block: L2Block, i: number): Record<string, unknown> & { hash: string } {
  const tx = block.transactions[i] as L2Transaction
  const base = { blockHash: bytesToHex(block.hash()), blockNumber: bigIntToHex(block.header.number), transactionIndex: bigIntToHex(BigInt(i)) }
  if (tx instanceof PrivilegedTransaction) return { ...tx.toJSON(), ...base } as unknown as Record<string, unknown> & { hash: string }
  const t = tx as Exclude<L2Transaction, PrivilegedTransaction>
  const { gasLimit, data, ...rest } = t.toJSON() as Record<string, unknown>
  return { ...rest, type: bigIntToHex(BigInt(t.type)), gas: gasLimit, input: data, from: t.getSenderAddress().toString(), hash: bytesToHex(t.hash()), ...base }
}
