import { ProofUnverifiable } from './errors.js'
import { verifyRisc0Groth16 } from './risc0Groth16.js'
import { verifySp1Proof } from './sp1.js'

export { ProofRejected, ProofUnverifiable, type ProofRejection, type ProofSystem } from './errors.js'
export { verifyRisc0Groth16, risc0ClaimDigest, risc0SupportedReleases, type Risc0Groth16Input } from './risc0Groth16.js'
export { verifySp1Proof, sp1PublicValuesDigest, sp1SupportedReleases, type Sp1ProofInput, type Sp1System } from './sp1.js'

/**
 * What the coordinator trusts for each prover type: the program it accepts proofs of.
 * Without the entry for a type, that type's proofs cannot be checked (ProofUnverifiable).
 */
export interface ProofVerifierConfig {
  /** RISC Zero image id of the guest program (32 bytes). */
  risc0ImageId?: Uint8Array
  /** SP1 program verifying-key hash, vk.bytes32() (32 bytes). */
  sp1VKey?: Uint8Array
}

export interface SubmittedProofCheck {
  /** `exec`: nothing cryptographic to check; the public values are what the coordinator compares. */
  system: 'risc0-groth16' | 'sp1-groth16' | 'sp1-plonk' | 'exec'
  /** Release of the verifier parameters the proof selected (zkVM proofs only). */
  version?: string
}

/**
 * Checks a submitted proof against the public values the coordinator expects for that batch (re-derived by
 * running the guest, never taken from the prover). Resolves when the proof holds; throws ProofRejected
 * (with a reason code and the field) when it does not, ProofUnverifiable when this prover type cannot be
 * checked with the given config. `proverType` is the protocol's name: Exec, RISC0, SP1, ….
 */
export async function verifySubmittedProof(
  proverType: string,
  proof: Uint8Array,
  expectedPublicValues: Uint8Array,
  config: ProofVerifierConfig,
): Promise<SubmittedProofCheck> {
  switch (proverType) {
    case 'Exec':
      return { system: 'exec' }
    case 'RISC0': {
      if (!config.risc0ImageId) throw new ProofUnverifiable('RISC0', 'no RISC Zero image id configured', 'start the coordinator with --risc0-image-id <32-byte hex>')
      const r = await verifyRisc0Groth16({ seal: proof, journal: expectedPublicValues, imageId: config.risc0ImageId })
      return { system: r.system, version: r.version }
    }
    case 'SP1': {
      if (!config.sp1VKey) throw new ProofUnverifiable('SP1', 'no SP1 program vkey configured', 'start the coordinator with --sp1-vkey <32-byte hex>')
      const r = await verifySp1Proof({ proof, publicValues: expectedPublicValues, vkey: config.sp1VKey })
      return { system: r.system, version: r.version }
    }
    default:
      throw new ProofUnverifiable(proverType, `Tessera has no verifier for ${proverType} proofs`)
  }
}

/**
 * The coordinator's per-type verifier callbacks for the types `config` has a program for: each resolves true
 * or throws ProofRejected with the reason (the coordinator logs it and refuses the submission).
 */
export function coordinatorProofVerifiers(config: ProofVerifierConfig): Partial<Record<'RISC0' | 'SP1', (proof: Uint8Array, publicValues: Uint8Array) => Promise<boolean>>> {
  const out: Partial<Record<'RISC0' | 'SP1', (proof: Uint8Array, publicValues: Uint8Array) => Promise<boolean>>> = {}
  if (config.risc0ImageId) out.RISC0 = (proof, values) => verifySubmittedProof('RISC0', proof, values, config).then(() => true)
  if (config.sp1VKey) out.SP1 = (proof, values) => verifySubmittedProof('SP1', proof, values, config).then(() => true)
  return out
}
