/**
 * The read side of an ethrex L2 node, served by the devnet from its SQLite record, so that
 * `tessera replay l2 batch|block|transaction` and `tessera cache l2 batch` work against `l2 devnet --http`.
 * Method names, parameters and answer shapes follow ethrex's L2 RPC (lambdaclass/ethrex
 * crates/l2/networking/rpc/rpc.rs `map_l2_requests`; l2/batch.rs, l2/fees.rs; crates/networking/rpc
 * debug/execution_witness.rs), as src/l2/rpc.ts reads them:
 *   ethrex_batchNumber                       → hex of the latest batch
 *   ethrex_getBatchByNumber [hex n, bool]    → null, or {number, first_block, last_block, state_root, …, blobs_bundle}
 *   ethrex_get{BaseFeeVault,OperatorFeeVault,L1FeeVault}Address [hex block] → address | null
 *   ethrex_getOperatorFee [hex block]        → hex quantity;  ethrex_getL1BlobBaseFee → integer
 *   debug_executionWitness [from, to?]       → the witness of a whole batch (the devnet's batches have one block)
 *   eth_blockNumber, eth_getBlockByNumber [tag, full], eth_getTransactionByHash [hash], web3_clientVersion
 */
import { RLP } from '@ethereumjs/rlp'
import type { Common } from '@ethereumjs/common'
import { bigIntToHex, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { decodeL2PublicValues } from '../../../guest/l2/output.js'
import { decodeL2Block, type L2Block } from '../../../guest/l2/block.js'
import type { FeeConfig } from '../../../guest/l2/feeConfig.js'
import type { L2ProgramInput } from '../../../guest/l2/types.js'
import { executionWitnessToJson } from '../../witness/codec.js'
import { l1MessageLeaf } from '../../l1/messages.js'
import { l2CacheFileToInput } from '../cache.js'
import { l2RpcBlockJson, l2RpcTxJson } from './rpcJson.js'
import type { L2DevnetStore } from './store.js'

/** A JSON-RPC error answer: code and message as ethrex's RpcErr would give them. */
export class L2RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
    this.name = 'L2RpcError'
  }
}

interface LoadedBatch {
  number: number
  input: L2ProgramInput
  blocks: L2Block[]
}

const MAX_LOADED = 64

function quantity(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]+$/.test(v)) throw new L2RpcError(-32602, `Invalid params: ${what} must be a 0x-prefixed hex number, got ${JSON.stringify(v)}`)
  const n = Number(BigInt(v))
  if (!Number.isSafeInteger(n)) throw new L2RpcError(-32602, `Invalid params: ${what} ${v} is too large`)
  return n
}

export function l2NodeMethods(store: L2DevnetStore, common: Common): Record<string, (params: unknown[]) => unknown> {
  const loaded = new Map<number, LoadedBatch>()
  const batch = (n: number): LoadedBatch | undefined => {
    const hit = loaded.get(n)
    if (hit) return hit
    const json = store.batchCacheJson(n)
    if (json === undefined) return undefined
    const input = l2CacheFileToInput(JSON.parse(json), `batch ${n}`)
    const blocks = input.blocks.map((rlp, i) => decodeL2Block(RLP.decode(rlp), common.copy(), `batch ${n} block ${i}`))
    if (loaded.size >= MAX_LOADED) loaded.delete(loaded.keys().next().value!)
    const b = { number: n, input, blocks }
    loaded.set(n, b)
    return b
  }
  /** Block n with its batch, or undefined when the devnet has no such block. */
  const block = (n: number): { b: LoadedBatch; block: L2Block; i: number } | undefined => {
    const bn = store.batchOfBlock(n)
    const b = bn === undefined ? undefined : batch(bn)
    if (b === undefined) return undefined
    const i = b.blocks.findIndex((x) => x.header.number === BigInt(n))
    return i < 0 ? undefined : { b, block: b.blocks[i], i }
  }
  const blockTag = (tag: unknown): number => (tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized' ? store.lastBlockNumber() : quantity(tag, 'block'))
  const fee = (tag: unknown): FeeConfig => {
    const n = blockTag(tag)
    const found = block(n)
    if (found === undefined) throw new L2RpcError(-32000, `block ${n} is not known to the devnet`)
    return found.b.input.feeConfigs[found.i]
  }
  return {
    web3_clientVersion: () => 'tessera-l2-devnet',
    eth_chainId: () => bigIntToHex(common.chainId()),
    eth_blockNumber: () => bigIntToHex(BigInt(store.lastBlockNumber())),
    eth_getBlockByNumber: ([tag, full]) => {
      const found = block(blockTag(tag))
      return found === undefined ? null : l2RpcBlockJson(found.block, full === true)
    },
    eth_getTransactionByHash: ([hash]) => {
      if (typeof hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new L2RpcError(-32602, 'Invalid params: expected a 32-byte transaction hash')
      const t = store.transaction(hash as `0x${string}`)
      const found = t === undefined ? undefined : block(t.blockNumber)
      return found === undefined ? null : l2RpcTxJson(found.block, t!.index)
    },
    ethrex_batchNumber: () => bigIntToHex(BigInt(store.lastBatchNumber())),
    ethrex_getBatchByNumber: ([n]) => {
      const number = quantity(n, 'batch number')
      const stored = store.batch(number)
      const b = stored === undefined ? undefined : batch(number)
      if (stored === undefined || b === undefined) return null
      const validium = b.input.blobCommitment.every((x) => x === 0)
      return {
        number,
        first_block: stored.firstBlock,
        last_block: stored.lastBlock,
        state_root: stored.stateRoot,
        privileged_transactions_hash: stored.publicValues ? bytesToHex(decodeL2PublicValues(hexToBytes(stored.publicValues)).privilegedTransactionsHash) : `0x${'00'.repeat(32)}`,
        message_hashes: store.messagesOfBatch(number).map((m) => l1MessageLeaf(m.from, m.dataHash, m.messageId)),
        blobs_bundle: validium ? { blobs: [], commitments: [], proofs: [] } : { blobs: [], commitments: [bytesToHex(b.input.blobCommitment)], proofs: [bytesToHex(b.input.blobProof)] },
        commit_tx: stored.commitTx,
        verify_tx: null,
      }
    },
    ethrex_getBaseFeeVaultAddress: ([n]) => fee(n).baseFeeVault?.toString() ?? null,
    ethrex_getOperatorFeeVaultAddress: ([n]) => fee(n).operatorFee?.vault.toString() ?? null,
    ethrex_getOperatorFee: ([n]) => bigIntToHex(fee(n).operatorFee?.feePerGas ?? 0n),
    ethrex_getL1FeeVaultAddress: ([n]) => fee(n).l1Fee?.vault.toString() ?? null,
    ethrex_getL1BlobBaseFee: ([n]) => Number(fee(n).l1Fee?.feePerBlobGas ?? 0n),
    debug_executionWitness: ([from, to]) => {
      const a = blockTag(from)
      const z = to === undefined || to === null ? a : blockTag(to)
      if (a > z) throw new L2RpcError(-32602, 'Invalid params: From block number is greater than To block number')
      const first = block(a)
      if (first === undefined || block(z) === undefined) throw new L2RpcError(-32603, `Internal Error: block ${first === undefined ? a : z} is not known to the devnet`)
      const b = first.b
      const range = [b.blocks[0].header.number, b.blocks[b.blocks.length - 1].header.number]
      if (BigInt(a) !== range[0] || BigInt(z) !== range[1]) {
        throw new L2RpcError(-32603, `the devnet keeps one witness per batch: ask for blocks ${range[0]}-${range[1]} (batch ${b.number})`)
      }
      return executionWitnessToJson(b.input.witness)
    },
  }
}
