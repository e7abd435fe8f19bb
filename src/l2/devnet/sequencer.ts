import { bytesToHex as ejsBytesToHex } from '@ethereumjs/util'
import type { Logger } from 'pino'
import { bytesToHex, getAddress, parseAbiItem, type Address, type Hex } from 'viem'
import type { L2Transaction } from '../../../guest/l2/block.js'
import { encodeL2Block } from '../../../guest/l2/block.js'
import { l1MessagesFromLogs } from '../../../guest/l2/messages.js'
import { loadArtifact } from '../../l1/artifacts.js'
import type { L1Clients } from '../../l1/client.js'
import type { PrivilegedTxFields } from '../../l1/messages.js'
import { l2InputToCacheFile, writeL2BatchCache } from '../cache.js'
import type { L2ChainBuilder, SealedL2Batch } from './builder.js'
import type { L2DevnetStore } from './store.js'
import { privilegedTxFromL1 } from './transactions.js'

const PRIVILEGED_TX_SENT = parseAbiItem(
  'event PrivilegedTxSent(address indexed l1From, address from, address to, uint256 transactionId, uint256 value, uint256 gasLimit, bytes data)',
)

export interface SequencerOptions {
  l1: L1Clients
  bridge: Address
  proposer: Address
  builder: L2ChainBuilder
  store: L2DevnetStore
  /** Where each sealed batch is written as cache_batch_<n>.json (a coordinator's --source). */
  outDir: string
  validium: boolean
  commitHash: Hex
  /** First L1 block to read bridge logs from (the bridge's deployment block). */
  fromL1Block: bigint
  log?: Logger
}

export interface SequencedBatch {
  batch: SealedL2Batch
  commitTx: Hex
  deposits: number
  file: string
}

export class SequencerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SequencerError'
  }
}

/**
 * The sequencer side of the L2 devnet, as far as the L1 loop needs it: read the bridge's PrivilegedTxSent
 * logs (viem), include every pending deposit in order together with queued L2 transactions in one block,
 * seal it as a batch (witness recorded, proven once statelessly), write its cache file for the coordinator,
 * keep blocks/transactions/L1 messages in SQLite, and commit the batch to the OnChainProposer.
 */
export class L2DevnetSequencer {
  private readonly queued: L2Transaction[] = []
  private readonly deposits: PrivilegedTxFields[] = []
  private nextL1Block: bigint
  private nextDepositId = 0n

  constructor(private readonly o: SequencerOptions) {
    this.nextL1Block = o.fromL1Block
  }

  /** Queue a signed L2 transaction for the next block. */
  submit(tx: L2Transaction): Hex {
    this.queued.push(tx)
    return ejsBytesToHex(tx.hash()) as Hex
  }

  /** Read new deposit logs from L1; returns how many are now waiting for inclusion. */
  async pollDeposits(): Promise<number> {
    const pub = this.o.l1.publicClient
    const head = await pub.getBlockNumber()
    if (head >= this.nextL1Block) {
      const logs = await pub.getLogs({ address: this.o.bridge, event: PRIVILEGED_TX_SENT, fromBlock: this.nextL1Block, toBlock: head })
      for (const l of logs) {
        const a = l.args as { from: Address; to: Address; transactionId: bigint; value: bigint; gasLimit: bigint; data: Hex }
        if (a.transactionId < this.nextDepositId) continue // seen already
        if (a.transactionId !== this.nextDepositId + BigInt(this.deposits.length)) {
          throw new SequencerError(`bridge log order broken: transaction id ${a.transactionId}, expected ${this.nextDepositId + BigInt(this.deposits.length)}`)
        }
        this.deposits.push({ from: getAddress(a.from), to: getAddress(a.to), transactionId: a.transactionId, value: a.value, gasLimit: a.gasLimit, data: a.data })
      }
      this.nextL1Block = head + 1n
    }
    return this.deposits.length
  }

  /** Build, seal and commit one batch of one block if there is anything to include; undefined otherwise. */
  async step(): Promise<SequencedBatch | undefined> {
    await this.pollDeposits()
    if (this.queued.length === 0 && this.deposits.length === 0) return undefined
    const b = this.o.builder
    const deposits = this.deposits.splice(0)
    const txs: L2Transaction[] = [...this.queued.splice(0), ...deposits.map((d) => privilegedTxFromL1(b.chainId, d, b.minFeePerGas()))]
    this.nextDepositId += BigInt(deposits.length)
    await b.addBlock(txs)
    const batch = await b.sealBatch({ validium: this.o.validium })
    const file = await writeL2BatchCache(this.o.outDir, batch.number, batch.input)
    this.record(batch)
    const commitTx = await this.commit(batch)
    this.o.store.setCommitTx(batch.number, commitTx)
    this.o.log?.info({ batch: batch.number, blocks: batch.blocks.length, deposits: deposits.length, commitTx }, 'batch sealed and committed')
    return { batch, commitTx, deposits: deposits.length, file }
  }

  private record(batch: SealedL2Batch): void {
    const messages: { index: number; messageId: bigint; from: Hex; dataHash: Hex; txHash: Hex }[] = []
    const blocks = batch.blocks.map((block, bi) => {
      const receipts = batch.receipts[bi]
      const txs = (block.transactions as unknown as L2Transaction[]).map((tx, ti) => {
        const hash = ejsBytesToHex(tx.hash()).toLowerCase() as Hex
        for (const m of l1MessagesFromLogs(receipts[ti].logs)) {
          messages.push({ index: messages.length, messageId: BigInt(bytesToHex(m.messageId)), from: bytesToHex(m.from), dataHash: bytesToHex(m.dataHash), txHash: hash })
        }
        return { hash, type: tx.type, status: receipts[ti].status }
      })
      return { number: Number(block.header.number), hash: ejsBytesToHex(block.hash()) as Hex, rlp: encodeL2Block(block), txs }
    })
    const o = batch.output
    this.o.store.addBatch({
      batch: {
        batchNumber: batch.number,
        firstBlock: blocks[0].number,
        lastBlock: blocks[blocks.length - 1].number,
        stateRoot: bytesToHex(o.finalStateRoot),
        l1MessagesRoot: bytesToHex(o.l1MessagesMerkleRoot),
        publicValues: bytesToHex(batch.publicValues),
        commitTx: null,
      },
      blocks,
      messages,
      cacheJson: JSON.stringify(l2InputToCacheFile(batch.input, batch.number)),
    })
  }

  private async commit(batch: SealedL2Batch): Promise<Hex> {
    const o = batch.output
    const { publicClient: pub, walletClient: wallet, account } = this.o.l1
    const abi = loadArtifact('OnChainProposer').abi
    const args = [
      BigInt(batch.number),
      bytesToHex(o.finalStateRoot),
      bytesToHex(o.l1MessagesMerkleRoot),
      bytesToHex(o.privilegedTransactionsHash),
      bytesToHex(o.lastBlockHash),
      o.nonPrivilegedCount,
      this.o.commitHash,
      [],
      [],
    ]
    const { request } = await pub.simulateContract({ account, address: this.o.proposer, abi, functionName: 'commitBatch', args })
    const hash = await wallet.writeContract(request)
    const receipt = await pub.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new SequencerError(`commitBatch(${batch.number}) reverted on chain (tx ${hash})`)
    return hash
  }
}
