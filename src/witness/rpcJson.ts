import type { Block, BlockHeader } from '@ethereumjs/block'
import { bigIntToHex, bytesToHex } from '@ethereumjs/util'
import type { CacheBlock } from './cache.js'

const q = (v: bigint | number) => bigIntToHex(BigInt(v))

/** The 15 pre-London header fields in RPC/ethrex JSON names and order (both JSON writers start with these). */
export function headerFieldsThroughNonce(h: BlockHeader): { [key: string]: string } {
  return {
    parentHash: bytesToHex(h.parentHash),
    sha3Uncles: bytesToHex(h.uncleHash),
    miner: h.coinbase.toString(),
    stateRoot: bytesToHex(h.stateRoot),
    transactionsRoot: bytesToHex(h.transactionsTrie),
    receiptsRoot: bytesToHex(h.receiptTrie),
    logsBloom: bytesToHex(h.logsBloom),
    difficulty: q(h.difficulty),
    number: q(h.number),
    gasLimit: q(h.gasLimit),
    gasUsed: q(h.gasUsed),
    timestamp: q(h.timestamp),
    extraData: bytesToHex(h.extraData),
    mixHash: bytesToHex(h.mixHash),
    nonce: bytesToHex(h.nonce),
  }
}

/** An ethereumjs block in the RPC-style JSON that ethrex-replay cache files hold. */
export function blockToCacheBlock(block: Block): CacheBlock {
  const h = block.header
  const header: Record<string, unknown> = headerFieldsThroughNonce(h)
  if (h.baseFeePerGas !== undefined) header.baseFeePerGas = q(h.baseFeePerGas)
  if (h.withdrawalsRoot !== undefined) header.withdrawalsRoot = bytesToHex(h.withdrawalsRoot)
  if (h.blobGasUsed !== undefined) header.blobGasUsed = q(h.blobGasUsed)
  if (h.excessBlobGas !== undefined) header.excessBlobGas = q(h.excessBlobGas)
  if (h.parentBeaconBlockRoot !== undefined) header.parentBeaconBlockRoot = bytesToHex(h.parentBeaconBlockRoot)
  if (h.requestsHash !== undefined) header.requestsHash = bytesToHex(h.requestsHash)
  header.hash = bytesToHex(block.hash())
  const transactions = block.transactions.map((tx) => {
    const j = tx.toJSON() as Record<string, unknown>
    const { gasLimit, data, ...rest } = j
    return { ...rest, type: q(tx.type), gas: gasLimit, input: data, hash: bytesToHex(tx.hash()) }
  })
  return {
    header,
    body: {
      transactions,
      uncles: block.uncleHeaders.map((u) => blockToCacheBlock({ header: u, transactions: [], uncleHeaders: [], withdrawals: undefined, hash: () => u.hash() } as unknown as Block).header),
      withdrawals: block.withdrawals?.map((w) => ({
        index: q(w.index),
        validatorIndex: q(w.validatorIndex),
        address: w.address.toString(),
        amount: q(w.amount),
      })),
    },
  }
}
