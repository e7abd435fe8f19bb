import type { ExecutionWitness, ChainConfig } from '../types.js'
import type { FeeConfig } from './feeConfig.js'

/**
 * ethrex's L2 ProgramInput (crates/l2/prover/src/guest_program/src/input.rs @ 6fbd93b5), as bytes:
 * the batch's blocks, the witness covering them, the base-fee elasticity multiplier, one fee config per
 * block, and the KZG commitment and proof of the blob the batch was published in.
 */
export interface L2ProgramInput {
  /** Each block as ethrex RLP-encodes it (no withdrawals list), consecutive. */
  blocks: Uint8Array[]
  witness: ExecutionWitness
  chainConfig: ChainConfig
  elasticityMultiplier: bigint
  /** One per block, in block order. */
  feeConfigs: FeeConfig[]
  /** 48 bytes each; both all-zero = validium (no blob). */
  blobCommitment: Uint8Array
  blobProof: Uint8Array
}
