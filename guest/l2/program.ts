import type { CustomCrypto } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { commonFromChainConfig } from '../chain.js'
import { guestCrypto, guestKzg } from '../crypto.js'
import { BlockInvalid, WitnessInvalid } from '../errors.js'
import { executeBlocks, type BatchStats, type ExecuteOptions } from '../execute.js'
import { AncestorChain } from '../headers.js'
import { NodeStore } from '../state.js'
import { verifyBatchBlob } from './blob.js'
import { decodeL2Block, type L2Block } from './block.js'
import { DEFAULT_ELASTICITY_MULTIPLIER } from './constants.js'
import { createL2BlockRunner, type L2Receipt } from './execution.js'
import { l1MessageHash, l1MessagesFromLogs, merkleRoot, privilegedTransactionsHash, type L1Message } from './messages.js'
import type { L2ProgramOutput } from './output.js'
import { PrivilegedTransaction } from './privilegedTx.js'
import type { L2ProgramInput } from './types.js'

export interface L2BatchResult extends L2ProgramOutput {
  stats: BatchStats
  /** Facts the host reports; not part of the public values. */
  l1Messages: L1Message[]
  privilegedCount: number
}

export function decodeL2BlocksFromInput(raw: Uint8Array[], common: ReturnType<typeof commonFromChainConfig>): L2Block[] {
  if (raw.length === 0) throw new BlockInvalid(undefined, 'batch', { reason: 'no blocks to execute' })
  return raw.map((bytes, i) => {
    let value: unknown
    try {
      value = RLP.decode(bytes)
    } catch (e) {
      throw new BlockInvalid(undefined, `decode (blocks[${i}])`, { reason: (e as Error).message })
    }
    return decodeL2Block(value, common, `blocks[${i}]`)
  })
}

/**
 * The ethrex L2 guest program (execution.rs stateless_validation_l2 @ 6fbd93b5): re-execute the batch from
 * the witness under L2 rules, then derive what L1 checks: the L1 messages root, the privileged-transactions
 * rolling hash and the blob versioned hash (after verifying the blob's KZG proof against the blocks and fee
 * configs). Throws WitnessIncomplete / WitnessInvalid / BlockInvalid; never returns for an invalid batch.
 */
export async function executeL2Batch(input: L2ProgramInput, opts: ExecuteOptions = {}): Promise<L2BatchResult> {
  const crypto: CustomCrypto = guestCrypto(opts.crypto)
  const keccak256 = crypto.keccak256 ?? keccak_256
  const common = commonFromChainConfig(input.chainConfig, crypto)
  if (input.elasticityMultiplier !== DEFAULT_ELASTICITY_MULTIPLIER) {
    // ethereumjs derives the base fee with elasticity 2, ethrex's default; other values are not supported yet.
    throw new WitnessInvalid('elasticity_multiplier', `${input.elasticityMultiplier} is not supported (only ${DEFAULT_ELASTICITY_MULTIPLIER})`)
  }
  const blocks = decodeL2BlocksFromInput(input.blocks, common)
  if (input.feeConfigs.length !== blocks.length) {
    throw new BlockInvalid(undefined, 'fee configs', { expected: `${blocks.length} (one per block)`, actual: String(input.feeConfigs.length) })
  }
  for (let i = 1; i < blocks.length; i++) {
    if (!equalsBytes(blocks[i].header.parentHash, blocks[i - 1].hash())) {
      throw new BlockInvalid(blocks[i].header.number, 'parent hash (blocks are not consecutive)', {
        expected: bytesToHex(blocks[i - 1].hash()),
        actual: bytesToHex(blocks[i].header.parentHash),
      })
    }
  }
  const chain = AncestorChain.fromWitness(input.witness.headers, common, blocks[0].header.parentHash, keccak256, undefined, blocks.map((b) => b.header))
  const initialStateRoot = chain.parent.stateRoot
  const store = NodeStore.fromWitness(input.witness.state, input.witness.codes, keccak256)
  const receipts: L2Receipt[] = []
  const first = blocks[0].header.number
  const runner = createL2BlockRunner({
    feeConfigOf: (block) => input.feeConfigs[Number(block.header.number - first)],
    onReceipts: (_, r) => receipts.push(...r),
  })
  const { stateRoot, stats } = await executeBlocks(common, blocks, chain, store, { bn254: opts.bn254, blake2f: opts.blake2f, runner })
  return { ...batchCommitments(blocks, receipts, input, keccak256), initialStateRoot, finalStateRoot: stateRoot, chainId: common.chainId(), stats }
}

/** What L1 learns about an executed batch besides its roots: messages, deposits, blob. */
export function batchCommitments(
  blocks: L2Block[],
  receipts: L2Receipt[],
  input: Pick<L2ProgramInput, 'feeConfigs' | 'blobCommitment' | 'blobProof'>,
  keccak256: (b: Uint8Array) => Uint8Array = keccak_256,
) {
  const l1Messages = l1MessagesFromLogs(receipts.flatMap((r) => r.logs))
  const privileged = blocks.flatMap((b) => b.transactions.filter((tx): tx is never => (tx as unknown) instanceof PrivilegedTransaction)) as PrivilegedTransaction[]
  const privilegedHashes = privileged.map((tx, i) => {
    const h = tx.privilegedHash(keccak256)
    if (h === undefined) throw new BlockInvalid(undefined, 'privileged tx rolling hash', { reason: `privileged transaction ${i} of the batch has no hash (contract creation)` })
    return h
  })
  const txCount = blocks.reduce((n, b) => n + b.transactions.length, 0)
  return {
    l1MessagesMerkleRoot: merkleRoot(l1Messages.map((m) => l1MessageHash(m, keccak256)), keccak256),
    privilegedTransactionsHash: privilegedTransactionsHash(privilegedHashes, keccak256),
    blobVersionedHash: verifyBatchBlob(guestKzg(), blocks, input.feeConfigs, input.blobCommitment, input.blobProof),
    lastBlockHash: blocks[blocks.length - 1].hash(),
    nonPrivilegedCount: BigInt(txCount - privileged.length),
    l1Messages,
    privilegedCount: privileged.length,
  }
}
