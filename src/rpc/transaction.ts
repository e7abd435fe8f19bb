import { createBlockHeaderFromRLP } from '@ethereumjs/block'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createVM, runTx } from '@ethereumjs/vm'
import { NodeStore, createStateManager } from '../../guest/state.js'
import type { ChainConfig } from '../../guest/types.js'
import type { Rpc } from './client.js'
import { loadRpcBatch } from './blocks.js'
import type { WitnessOptions, WitnessSource } from './witness.js'

export interface TransactionReplay {
  hash: string
  blockNumber: bigint
  index: number
  status: 'success' | 'reverted' | 'pre-byzantium'
  gasUsed: bigint
  cumulativeGasUsed: bigint
  logs: number
  witnessSource: WitnessSource
  /** The node's receipt summarised the same way, when eth_getTransactionReceipt answers. */
  nodeReceipt?: string
  matches?: boolean
}

/**
 * Re-execute a block up to and including one transaction, statefully over the trie built from the block's
 * witness (no state outside the witness is read), and report that transaction's receipt.
 * Limit: the pre-block system calls of cancun+ (EIP-4788/2935 ring buffers) are not applied first, so a
 * transaction reading those contracts may differ; full blocks are checked by `replay block`.
 */
export async function replayTransaction(rpc: Rpc, hash: string, chainConfig: ChainConfig, opts: WitnessOptions = {}): Promise<TransactionReplay> {
  const tx = await rpc.request<{ blockNumber: string; transactionIndex: string }>('eth_getTransactionByHash', [hash])
  const number = BigInt(tx.blockNumber)
  const index = Number(BigInt(tx.transactionIndex))
  const batch = await loadRpcBatch(rpc, [number], chainConfig, opts)
  const block = batch.decoded[0]
  const common = batch.common.copy()
  const store = NodeStore.fromWitness(batch.witness.witness.state, batch.witness.witness.codes, keccak_256)
  const parent = createBlockHeaderFromRLP(batch.witness.witness.headers[0], { common: common.copy(), setHardfork: true })
  const hashes = new Map<bigint, Uint8Array>()
  for (const h of batch.witness.witness.headers) {
    const header = createBlockHeaderFromRLP(h, { common: common.copy(), setHardfork: true })
    hashes.set(header.number, header.hash())
  }
  const blockchain = {
    async getBlock(n: number | bigint) {
      const h = hashes.get(BigInt(n))
      if (h === undefined) throw new Error(`BLOCKHASH(${n}) is not in the witness`)
      return { hash: () => h }
    },
    async putBlock() {},
    shallowCopy() {
      return this
    },
    async validateHeader() {},
  }
  const stateManager = createStateManager(common, store, parent.stateRoot)
  const vm = await createVM({ common, stateManager, blockchain: blockchain as never, setHardfork: true })
  vm.common.setHardforkBy({ blockNumber: block.header.number, timestamp: block.header.timestamp })
  let result
  let cumulative = 0n
  for (let i = 0; i <= index; i++) {
    result = await runTx(vm, { tx: block.transactions[i], block, blockGasUsed: cumulative, skipHardForkValidation: true })
    cumulative += result.totalGasSpent
  }
  const receipt = result!.receipt as { status?: 0 | 1; logs: unknown[] }
  const out: TransactionReplay = {
    hash,
    blockNumber: number,
    index,
    status: receipt.status === undefined ? 'pre-byzantium' : receipt.status === 1 ? 'success' : 'reverted',
    gasUsed: result!.totalGasSpent,
    cumulativeGasUsed: cumulative,
    logs: receipt.logs.length,
    witnessSource: batch.witness.source,
  }
  const node = await rpc
    .request<{ status?: string; gasUsed: string; cumulativeGasUsed: string; logs: unknown[] } | null>('eth_getTransactionReceipt', [hash])
    .catch(() => null)
  if (node) {
    const status = node.status === undefined ? 'pre-byzantium' : BigInt(node.status) === 1n ? 'success' : 'reverted'
    out.nodeReceipt = `status ${status}, gas ${BigInt(node.gasUsed)}, logs ${node.logs.length}`
    out.matches = status === out.status && BigInt(node.gasUsed) === out.gasUsed && node.logs.length === out.logs
  }
  return out
}
