import { decodeProgramInput } from '../../guest/input.js'
import { decodeL2ProgramInput, encodeL2ProgramInput, isEncodedL2Input } from '../../guest/l2/input.js'
import type { L2ProgramInput } from '../../guest/l2/types.js'
import type { ProgramInput } from '../../guest/types.js'
import { isL2BatchCache, l2CacheFileToInput, l2InputToCacheFile } from '../l2/cache.js'
import { encodeProgramInput } from '../witness/programInput.js'
import { ProtocolError } from './errors.js'

/**
 * An ethrex L2 batch as it travels in BatchResponse.input: the ethrex-replay L2 batch cache JSON (blocks,
 * witness, chain config, blob commitment/proof, fee configs, elasticity; src/l2/cache.ts). It is told apart
 * from an L1 ProgramInput by its `blob_commitment` field. Until the ethrex ProverInputData wire form carries
 * L2 batches, this is how Tessera's coordinator hands L2 batches to Tessera's provers.
 */
export interface L2BatchInput {
  kind: 'l2'
  input: L2ProgramInput
}

export type AnyBatchInput = ProgramInput | L2BatchInput

export function isL2BatchInput(i: AnyBatchInput): i is L2BatchInput {
  return (i as L2BatchInput).kind === 'l2'
}

/** Stored bytes (encodeProgramInput or encodeL2ProgramInput) -> the value BatchResponse carries. */
export function decodeAnyBatchInput(bytes: Uint8Array): AnyBatchInput {
  return isEncodedL2Input(bytes) ? { kind: 'l2', input: decodeL2ProgramInput(bytes) } : decodeProgramInput(bytes)
}

/** The value a prover received -> the bytes its backend runs (the exec backend tells L1 and L2 apart). */
export function encodeAnyBatchInput(i: AnyBatchInput): Uint8Array {
  return isL2BatchInput(i) ? encodeL2ProgramInput(i.input) : encodeProgramInput(i)
}

export function l2BatchInputToJson(i: L2BatchInput): unknown {
  return l2InputToCacheFile(i.input)
}

/** An L2 batch JSON, or undefined when `json` is not one (then it is an L1 ProgramInput). */
export function l2BatchInputFromJson(json: unknown, field: string): L2BatchInput | undefined {
  if (!isL2BatchCache(json)) return undefined
  try {
    return { kind: 'l2', input: l2CacheFileToInput(json, field) }
  } catch (e) {
    throw new ProtocolError('malformed', (e as Error).message, field)
  }
}
