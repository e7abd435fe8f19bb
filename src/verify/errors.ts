import { TesseraError } from '../../guest/errors.js'

/** Which verifier refused or could not run. */
/** `sp1` when the selector names no release, so neither Groth16 nor PLONK is known yet. */
export type ProofSystem = 'risc0-groth16' | 'sp1-groth16' | 'sp1-plonk' | 'sp1' | 'exec'

/**
 * Why a proof was refused. Stable codes (coordinator metric label `invalid_proof:<code>`, CLI exit text):
 *   malformed          wrong length or shape (names the field and the length)
 *   unknown_selector   the 4-byte prefix names no release this Tessera has a verifying key for
 *   not_in_field       a public input or proof coordinate is not a canonical field element
 *   not_on_curve       a proof point is not on BN254 (or not in the prime-order subgroup)
 *   exit_code          SP1 v6+: the proof commits to a non-zero exit code
 *   vk_root            SP1 v6+: the proof's recursion vk root is not the release's
 *   pairing            the Groth16 equation (PLONK: the batched KZG opening) does not hold for these public inputs: the seal, the
 *                      journal/public values, the image id/program vkey or the key is not the one proven
 */
export type ProofRejection = 'malformed' | 'unknown_selector' | 'not_in_field' | 'not_on_curve' | 'exit_code' | 'vk_root' | 'pairing'

/** The proof was checked and does not verify. */
export class ProofRejected extends TesseraError {
  readonly system: ProofSystem
  readonly reason: ProofRejection
  /** The input the reason is about: `seal`, `proof`, `journal`, `imageId`, `vkey`, `publicValues`. */
  readonly field: string
  constructor(system: ProofSystem, reason: ProofRejection, field: string, detail: string, hint?: string) {
    super(`${system} proof rejected (${reason}, ${field}): ${detail}`, hint)
    this.system = system
    this.reason = reason
    this.field = field
  }
}

/** Tessera cannot check this proof at all (no verifying key configured, a proof format it does not verify). */
export class ProofUnverifiable extends TesseraError {
  readonly system: string
  constructor(system: string, reason: string, hint?: string) {
    super(`cannot verify ${system} proof: ${reason}`, hint)
    this.system = system
  }
}
