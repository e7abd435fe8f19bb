import type { Hex } from 'viem'
import { l1MessageLeaf, messagesMerkleProof, messagesMerkleRoot } from '../../l1/messages.js'
import type { L2DevnetStore } from './store.js'

/** What a user needs to claim on L1 (ethrex_getWithdrawalProof's fields: batch, message id, message hash, proof). */
export interface WithdrawalProof {
  batchNumber: number
  messageId: bigint
  /** The message data (keccak of token L1 ‖ token L2 ‖ receiver ‖ amount for a bridge withdrawal). */
  messageHash: Hex
  /** Leaf of the batch's L1-messages tree. */
  leaf: Hex
  merkleProof: Hex[]
  /** The batch's L1-messages root the proof leads to (what L1 stored on commit). */
  root: Hex
}

export class WithdrawalNotFound extends Error {
  constructor(readonly txHash: Hex) {
    super(`no L1 message was sent by L2 transaction ${txHash} (not a withdrawal, not in a sealed batch, or unknown)`)
    this.name = 'WithdrawalNotFound'
  }
}

/** Proofs for every L1 message the L2 transaction `txHash` sent, in order. */
export function withdrawalProofs(store: L2DevnetStore, txHash: Hex): WithdrawalProof[] {
  const mine = store.messagesOfTx(txHash)
  if (mine.length === 0) throw new WithdrawalNotFound(txHash)
  return mine.map((m) => {
    const all = store.messagesOfBatch(m.batchNumber)
    const leaves = all.map((x) => l1MessageLeaf(x.from, x.dataHash, x.messageId))
    return {
      batchNumber: m.batchNumber,
      messageId: m.messageId,
      messageHash: m.dataHash,
      leaf: leaves[m.index],
      merkleProof: messagesMerkleProof(leaves, m.index),
      root: messagesMerkleRoot(leaves),
    }
  })
}

/** JSON as the HTTP route and the CLI print it (numbers as decimal strings, hashes as 0x hex). */
export function withdrawalProofJson(p: WithdrawalProof): Record<string, unknown> {
  return { batch_number: p.batchNumber, message_id: p.messageId.toString(), message_hash: p.messageHash, leaf: p.leaf, merkle_proof: p.merkleProof, root: p.root }
}
