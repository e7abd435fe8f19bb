import type { Blake2fKernel } from '../../guest/blake2f.js'
import type { BlockHeader } from '@ethereumjs/block'
import type { CustomCrypto } from '@ethereumjs/common'
import type { EVMBN254Interface } from '@ethereumjs/evm'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { guestCrypto, guestKzg } from '../../guest/crypto.js'
import { BlockInvalid, TesseraError, isGuestError } from '../../guest/errors.js'
import { commitBlob, decodeBatchPayload, payloadFromBlob, versionedHash } from '../../guest/l2/blob.js'
import { encodeL2Block, type L2Block } from '../../guest/l2/block.js'
import { DEFAULT_ELASTICITY_MULTIPLIER } from '../../guest/l2/constants.js'
import { createL2BlockRunner, type L2Receipt } from '../../guest/l2/execution.js'
import type { FeeConfig } from '../../guest/l2/feeConfig.js'
import { encodeL2PublicValues, type L2ProgramOutput } from '../../guest/l2/output.js'
import { PrivilegedTransaction } from '../../guest/l2/privilegedTx.js'
import { batchCommitments, executeL2Batch } from '../../guest/l2/program.js'
import type { L2ProgramInput } from '../../guest/l2/types.js'
import { recordWitness } from '../witness/record.js'
import { buildL2Genesis } from './genesis.js'

/** A blob that does not continue the chain: from another chain, or missing, duplicated or out of order. */
export class BlobOutOfSequence extends TesseraError {
  readonly blob: string
  constructor(blob: string, reason: string) {
    super(`${blob}: ${reason}`, 'pass the blobs of one chain in batch order (<batch>-<index>.blob), none missing')
    this.blob = blob
  }
}

/** A batch failed: wraps the guest's typed error with the blob it came from. */
export class BatchFailed extends TesseraError {
  readonly blob: string
  readonly cause: unknown
  constructor(blob: string, cause: unknown) {
    const message = String((cause as Error)?.message ?? cause)
    super(message.includes(blob) ? message : `${blob}: ${message}`)
    this.blob = blob
    this.cause = cause
  }
}

export interface BlobFile {
  name: string
  bytes: Uint8Array
}

export interface ReconstructedBatch {
  number: number
  blob: string
  blocks: L2Block[]
  feeConfigs: FeeConfig[]
  transactionCount: number
  privilegedCount: number
  commitment: Uint8Array
  proof: Uint8Array
  versionedHash: Uint8Array
  output: L2ProgramOutput
  publicValues: Uint8Array
  /** Guest input with the minimal witness recorded from the reconstructed state. */
  input: L2ProgramInput
}

export interface ReconstructOptions {
  crypto?: CustomCrypto
  bn254?: EVMBN254Interface
  blake2f?: Blake2fKernel
  /** Each block re-executed and checked, in order. */
  onBlock?(blob: string, block: L2Block): void
  /** Each batch proven by the guest from its recorded witness alone. */
  onBatch?(batch: ReconstructedBatch): Promise<void> | void
}

export interface ReconstructResult {
  batches: ReconstructedBatch[]
  finalStateRoot: Uint8Array
  lastBlockHash: Uint8Array
  lastBlockNumber: bigint
}

/** The 256 most recent headers are all BLOCKHASH can reach. */
const ANCESTOR_WINDOW = 256

/**
 * What ethrex's `l2 reconstruct` does, and more: from the L2 genesis and the blobs the L1 committer
 * published, rebuild the chain block by block under L2 rules (every header's roots checked), then prove
 * each batch with the L2 guest from a minimal recorded witness. Stops at the first failing batch with a
 * typed error naming its blob; the batches before it have been reported through the callbacks.
 */
export async function reconstructL2(genesisJson: unknown, blobs: BlobFile[], opts: ReconstructOptions = {}): Promise<ReconstructResult> {
  const crypto = guestCrypto(opts.crypto)
  const keccak256 = crypto.keccak256 ?? keccak_256
  const genesis = await buildL2Genesis(genesisJson, crypto)
  const common = genesis.common
  const state = genesis.state
  let ancestors: BlockHeader[] = [genesis.header]
  const batches: ReconstructedBatch[] = []
  const kzg = guestKzg()
  for (const [i, file] of blobs.entries()) {
    const tip = ancestors[ancestors.length - 1]
    let blocks: L2Block[]
    let feeConfigs: FeeConfig[]
    try {
      ;({ blocks, feeConfigs } = decodeBatchPayload(payloadFromBlob(file.bytes, file.name), common, file.name))
    } catch (e) {
      throw isGuestError(e) ? new BatchFailed(file.name, e) : e
    }
    checkSequence(file.name, blocks[0], tip)
    for (let b = 1; b < blocks.length; b++) {
      if (!equalsBytes(blocks[b].header.parentHash, blocks[b - 1].hash())) {
        throw new BatchFailed(file.name, new BlockInvalid(blocks[b].header.number, 'parent hash (blocks of the blob are not consecutive)', {
          expected: bytesToHex(blocks[b - 1].hash()),
          actual: bytesToHex(blocks[b].header.parentHash),
        }))
      }
    }
    // The commitment is over the blob as published; the guest re-encodes the decoded batch and checks the
    // proof against it, so a decoder/encoder that is not byte-exact fails there.
    const blob = file.bytes
    const { commitment, proof } = commitBlob(kzg, blob)
    const first = blocks[0].header.number
    const receipts: L2Receipt[] = []
    const runner = createL2BlockRunner({
      feeConfigOf: (block) => feeConfigs[Number(block.header.number - first)],
      onReceipts: (block, r) => {
        receipts.push(...r)
      },
    })
    const recorded = await recordWitness({ common, blocks, ancestors, preState: state, keccak256, bn254: opts.bn254, blake2f: opts.blake2f, runner })
    if (recorded.error !== undefined) {
      // Blocks before the failing one passed every check: report them.
      const failedAt = recorded.error instanceof BlockInvalid ? recorded.error.blockNumber : undefined
      if (failedAt !== undefined) for (const block of blocks) if (block.header.number < failedAt) opts.onBlock?.(file.name, block)
      throw new BatchFailed(file.name, recorded.error)
    }
    for (const block of blocks) opts.onBlock?.(file.name, block)
    for (const [key, value] of recorded.written) state.set(key, value)
    const input: L2ProgramInput = {
      blocks: blocks.map(encodeL2Block),
      witness: recorded.witness,
      chainConfig: genesis.chainConfig,
      elasticityMultiplier: DEFAULT_ELASTICITY_MULTIPLIER,
      feeConfigs,
      blobCommitment: commitment,
      blobProof: proof,
    }
    let output: L2ProgramOutput
    try {
      const stateful = batchCommitments(blocks, receipts, input, keccak256)
      output = await executeL2Batch(input, { crypto: opts.crypto, bn254: opts.bn254, blake2f: opts.blake2f })
      if (!equalsBytes(encodeL2PublicValues(output), encodeL2PublicValues({ ...output, ...stateful }))) {
        throw new BlockInvalid(undefined, 'stateless and stateful runs disagree', { reason: 'public values differ' })
      }
    } catch (e) {
      throw new BatchFailed(file.name, e)
    }
    const txs = blocks.flatMap((b) => b.transactions as unknown[])
    const batch: ReconstructedBatch = {
      number: i + 1,
      blob: file.name,
      blocks,
      feeConfigs,
      transactionCount: txs.length,
      privilegedCount: txs.filter((t) => t instanceof PrivilegedTransaction).length,
      commitment,
      proof,
      versionedHash: versionedHash(commitment),
      output,
      publicValues: encodeL2PublicValues(output),
      input,
    }
    batches.push(batch)
    await opts.onBatch?.(batch)
    ancestors = [...ancestors, ...blocks.map((b) => b.header)].slice(-ANCESTOR_WINDOW)
  }
  const last = ancestors[ancestors.length - 1]
  return { batches, finalStateRoot: last.stateRoot, lastBlockHash: last.hash(), lastBlockNumber: last.number }
}

function checkSequence(blob: string, first: L2Block, tip: BlockHeader): void {
  const n = first.header.number
  if (n <= tip.number) {
    throw new BlobOutOfSequence(blob, `starts at block ${n} but block ${tip.number} was already reconstructed (duplicated or out-of-order blob)`)
  }
  if (n > tip.number + 1n) throw new BlobOutOfSequence(blob, `starts at block ${n}, expected ${tip.number + 1n} (a blob is missing before it)`)
  if (!equalsBytes(first.header.parentHash, tip.hash())) {
    throw new BlobOutOfSequence(
      blob,
      `block ${n} names parent ${bytesToHex(first.header.parentHash)}, but block ${tip.number} here is ${bytesToHex(tip.hash())} (a blob of another chain or genesis, or the previous blob altered)`,
    )
  }
}
