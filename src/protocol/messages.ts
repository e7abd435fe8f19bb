import type { BatchInput } from './batchInput.js'
import { ProtocolError } from './errors.js'
import { encodeEthrexMessage, messageFromEthrexJson, ETHREX_VARIANTS } from './ethrex/wire.js'
import { parseJson, type Json } from './json.js'
import { encodeLegacyMessage, messageFromLegacyJson, LEGACY_VARIANTS } from './legacy.js'

/**
 * The proof coordinator <-> prover messages (DESIGN.md §2). On the wire Tessera speaks ethrex's current
 * `ProofData` (src/protocol/ethrex/wire.ts has the exact JSON and the ethrex source it follows). Inside,
 * the message names are Tessera's own, kept from its first protocol so the coordinator and prover read the
 * same as before:
 *
 *   Tessera (here)      ethrex wire (written)                          Tessera 0.1 wire (read, answered)
 *   BatchRequest        InputRequest{commit_hash, prover_type}         BatchRequest
 *   BatchResponse       InputResponse{id, input, format}               BatchResponse{batch_number, ...}
 *   VersionMismatch     "VersionMismatch"                              same
 *   ProverTypeNotNeeded ProverTypeNotNeeded{prover_type}               same
 *   ProofSubmit         ProofSubmit{id, proof: ProverOutput}           ProofSubmit{batch_number, batch_proof}
 *   ProofSubmitACK      ProofSubmitACK{id}                             ProofSubmitACK{batch_number}
 *   ProverSetup         ProverSetup{prover_type, payload}              -
 *   ProverSetupACK      "ProverSetupACK"                               -
 *
 * Tessera extensions, ignored by ethrex (serde skips unknown fields): `auth_token` in requests (shared
 * secret, --auth-token), `prover_id` in InputRequest and ProofSubmit (a random id per prover, kept in its
 * --state-dir; the coordinator counts provers by it), and `lease` in InputResponse (only to a request that
 * sent prover_id) and ProofSubmit: the secret that shows a submit comes from the prover the batch was given
 * to. A submit without a lease (ethrex's provers) is the assignee's when it comes from the address the batch
 * was given to; prover_id alone proves nothing. A coordinator's explicit refusal is another extension
 * (src/protocol/refusal.ts). Unknown fields are ignored, as serde does; unknown variants are refused.
 */

export const PROVER_TYPES = ['Exec', 'RISC0', 'SP1', 'TDX'] as const
export type ProverType = (typeof PROVER_TYPES)[number]
export const PROOF_FORMATS = ['Groth16', 'Compressed'] as const
export type ProofFormat = (typeof PROOF_FORMATS)[number]

/** Which protocol a message was read in; a server answers in the dialect it was asked in. */
export type Dialect = 'ethrex' | 'tessera-0.1'

interface Base {
  /** Set by the parser; absent = ethrex (what Tessera writes). */
  dialect?: Dialect
}

export interface BatchRequest extends Base {
  kind: 'BatchRequest'
  commitHash: string
  proverType: ProverType
  authToken?: string
  proverId?: string
}

/** `batchNumber`, `input` and `format` are all null when there is nothing to prove. */
export interface BatchResponse extends Base {
  kind: 'BatchResponse'
  batchNumber: number | null
  input: BatchInput | null
  format: ProofFormat | null
  /**
   * Tessera extension: a secret the coordinator hands with the batch to a prover that sent `prover_id`;
   * sent back in ProofSubmit, it shows the submit comes from the prover the batch was given to.
   */
  lease?: string
}

export interface VersionMismatch extends Base {
  kind: 'VersionMismatch'
}

export interface ProverTypeNotNeeded extends Base {
  kind: 'ProverTypeNotNeeded'
  proverType: ProverType
}

/**
 * A submitted proof. `publicValues` absent = ethrex's `ProverOutput::Proof` form (what ethrex's Exec and
 * Groth16 backends send): nothing the coordinator can compare with its own re-execution.
 */
export interface BatchProof {
  proverType: ProverType
  proof: Uint8Array
  publicValues?: Uint8Array
}

export interface ProofSubmit extends Base {
  kind: 'ProofSubmit'
  batchNumber: number
  batchProof: BatchProof
  authToken?: string
  proverId?: string
  /** The BatchResponse's lease, when it had one. */
  lease?: string
}

export interface ProofSubmitACK extends Base {
  kind: 'ProofSubmitACK'
  batchNumber: number
}

export interface ProverSetup extends Base {
  kind: 'ProverSetup'
  proverType: ProverType
  payload: Uint8Array
  authToken?: string
}

export interface ProverSetupACK extends Base {
  kind: 'ProverSetupACK'
}

export type Message =
  | BatchRequest
  | BatchResponse
  | VersionMismatch
  | ProverTypeNotNeeded
  | ProofSubmit
  | ProofSubmitACK
  | ProverSetup
  | ProverSetupACK

/** JSON text of a message: ethrex's form, or the older Tessera form when answering a message read in it. */
export function encodeMessage(msg: Message, dialect: Dialect = msg.dialect ?? 'ethrex'): string {
  return dialect === 'tessera-0.1' ? encodeLegacyMessage(msg) : encodeEthrexMessage(msg)
}

/** Parse an already JSON-decoded value (lossless form from parseJson). Tells the dialect by variant name. */
export function messageFromJson(json: Json): Message {
  const name = typeof json === 'string' ? json : json !== null && typeof json === 'object' && !Array.isArray(json) ? Object.keys(json)[0] : undefined
  if (name !== undefined && LEGACY_VARIANTS.has(name) && !ETHREX_VARIANTS.has(name)) return { ...messageFromLegacyJson(json), dialect: 'tessera-0.1' }
  if (name !== undefined && (LEGACY_VARIANTS.has(name) || ETHREX_VARIANTS.has(name)) && isLegacyBody(json)) {
    return { ...messageFromLegacyJson(json), dialect: 'tessera-0.1' }
  }
  return messageFromEthrexJson(json)
}

/**
 * ProofSubmit and ProofSubmitACK share their variant names between the dialects; the older one is told by
 * its `batch_number` field (ethrex: `id`).
 */
function isLegacyBody(json: Json): boolean {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return false
  const body = Object.values(json)[0]
  return body !== null && typeof body === 'object' && !Array.isArray(body) && 'batch_number' in body && !('id' in body)
}

/** Parse one wire message (UTF-8 JSON text). Every defect is a ProtocolError; nothing else is thrown. */
export function parseMessage(text: string): Message {
  return messageFromJson(parseJson(text))
}

export function isProverType(v: unknown): v is ProverType {
  return typeof v === 'string' && (PROVER_TYPES as readonly string[]).includes(v)
}

export function parseProverType(v: unknown, field = 'prover_type'): ProverType {
  if (!isProverType(v)) throw new ProtocolError('malformed', `expected one of ${PROVER_TYPES.join(', ')}`, field)
  return v
}
