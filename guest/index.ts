/**
 * `tessera/guest`: the guest programs, pure and deterministic (no I/O, no workers, no clocks) — what a zkVM
 * proves. L1: `executeStateless` (ethrex's 160-byte public values); ethrex L2: `executeL2Batch` (256 bytes).
 */
export { executeStateless, type ExecuteOptions, type Tuning, type BatchStats } from './execute.js'
export { executeL2Batch, type L2BatchResult } from './l2/program.js'
export { encodeProgramInput, decodeProgramInput } from './input.js'
export { encodeL2ProgramInput, decodeL2ProgramInput } from './l2/input.js'
export { encodePublicValues, decodePublicValues, PUBLIC_VALUES_LENGTH } from './output.js'
export { encodeL2PublicValues, decodeL2PublicValues, checkL2Claims, L2_PUBLIC_VALUES_LENGTH, type L2ProgramOutput } from './l2/output.js'
export type { ProgramInput, ProgramOutput, ExecutionWitness, ChainConfig } from './types.js'
export type { L2ProgramInput } from './l2/types.js'
export type { FeeConfig } from './l2/feeConfig.js'
export { TesseraError, WitnessIncomplete, WitnessInvalid, BlockInvalid, isGuestError, type GuestError, type MissingKind } from './errors.js'
export { guestCrypto } from './crypto.js'
