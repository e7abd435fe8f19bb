import type { ProgramInput } from '../../guest/types.js'
import { parseHex, toHex } from '../witness/hex.js'
import { WitnessInvalid } from '../../guest/errors.js'
import { ProtocolError } from './errors.js'
import { programInputFromJson, programInputToJson } from './input.js'
import { isL2BatchInput, l2BatchInputFromJson, l2BatchInputToJson, type AnyBatchInput } from './l2BatchInput.js'

/**
 * The proof coordinator <-> prover messages (DESIGN.md §2), with serde's externally tagged JSON form:
 *   {"BatchRequest":{"commit_hash":"0.1.0","prover_type":"Exec"}}
 *   {"BatchResponse":{"batch_number":7,"input":{...},"format":"Groth16"}}   (all three null: nothing to prove)
 *   "VersionMismatch"
 *   {"ProverTypeNotNeeded":{"prover_type":"SP1"}}
 *   {"ProofSubmit":{"batch_number":7,"batch_proof":{"ProofBytes":{"prover_type":"Exec","proof":"0x","public_values":"0x.."}}}}
 *   {"ProofSubmitACK":{"batch_number":7}}
 * Tessera extensions, ignored by ethrex: `auth_token` in BatchRequest and ProofSubmit (shared secret,
 * --auth-token) and `prover_id` in both (a random id per prover, kept in its --state-dir: the coordinator
 * takes proofs only from the prover a batch is assigned to, and counts provers by it).
 * Unknown fields are ignored, as serde does; unknown variants are refused.
 */

export const PROVER_TYPES = ['Exec', 'RISC0', 'SP1'] as const
export type ProverType = (typeof PROVER_TYPES)[number]
export const PROOF_FORMATS = ['Compressed', 'Groth16'] as const
export type ProofFormat = (typeof PROOF_FORMATS)[number]

export interface BatchRequest {
  kind: 'BatchRequest'
  commitHash: string
  proverType: ProverType
  authToken?: string
  proverId?: string
}

/** `batchNumber`, `input` and `format` are all null when there is nothing to prove. */
export interface BatchResponse {
  kind: 'BatchResponse'
  batchNumber: number | null
  /** An L1 ProgramInput, or an ethrex L2 batch (src/protocol/l2BatchInput.ts). */
  input: AnyBatchInput | null
  format: ProofFormat | null
}

export interface VersionMismatch {
  kind: 'VersionMismatch'
}

export interface ProverTypeNotNeeded {
  kind: 'ProverTypeNotNeeded'
  proverType: ProverType
}

export interface BatchProof {
  proverType: ProverType
  proof: Uint8Array
  publicValues: Uint8Array
}

export interface ProofSubmit {
  kind: 'ProofSubmit'
  batchNumber: number
  batchProof: BatchProof
  authToken?: string
  proverId?: string
}

export interface ProofSubmitACK {
  kind: 'ProofSubmitACK'
  batchNumber: number
}

export type Message = BatchRequest | BatchResponse | VersionMismatch | ProverTypeNotNeeded | ProofSubmit | ProofSubmitACK

/** Longest string accepted for commit_hash / auth_token / prover_id. */
const MAX_SHORT_STRING = 256

// ---------- encoding ----------

function encodeValue(msg: Message): unknown {
  switch (msg.kind) {
    case 'BatchRequest': {
      const body: Record<string, unknown> = { commit_hash: msg.commitHash, prover_type: msg.proverType }
      if (msg.authToken !== undefined) body.auth_token = msg.authToken
      if (msg.proverId !== undefined) body.prover_id = msg.proverId
      return { BatchRequest: body }
    }
    case 'BatchResponse':
      return {
        BatchResponse: {
          batch_number: msg.batchNumber,
          input: msg.input === null ? null : isL2BatchInput(msg.input) ? l2BatchInputToJson(msg.input) : programInputToJson(msg.input),
          format: msg.format,
        },
      }
    case 'VersionMismatch':
      return 'VersionMismatch'
    case 'ProverTypeNotNeeded':
      return { ProverTypeNotNeeded: { prover_type: msg.proverType } }
    case 'ProofSubmit': {
      const { proverType, proof, publicValues } = msg.batchProof
      const body: Record<string, unknown> = {
        batch_number: msg.batchNumber,
        batch_proof: { ProofBytes: { prover_type: proverType, proof: toHex(proof), public_values: toHex(publicValues) } },
      }
      if (msg.authToken !== undefined) body.auth_token = msg.authToken
      if (msg.proverId !== undefined) body.prover_id = msg.proverId
      return { ProofSubmit: body }
    }
    case 'ProofSubmitACK':
      return { ProofSubmitACK: { batch_number: msg.batchNumber } }
  }
}

export function encodeMessage(msg: Message): string {
  return JSON.stringify(encodeValue(msg))
}

// ---------- parsing ----------

type Obj = Record<string, unknown>

function object(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError('malformed', 'expected an object', field)
  return v as Obj
}

function batchNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ProtocolError('malformed', 'expected a non-negative integer', field)
  }
  return v
}

function shortString(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length > MAX_SHORT_STRING) {
    throw new ProtocolError('malformed', `expected a string of at most ${MAX_SHORT_STRING} characters`, field)
  }
  return v
}

function optionalShortString(v: unknown, field: string): string | undefined {
  return v === undefined || v === null ? undefined : shortString(v, field)
}

export function parseProverType(v: unknown, field = 'prover_type'): ProverType {
  if (typeof v !== 'string' || !(PROVER_TYPES as readonly string[]).includes(v)) {
    throw new ProtocolError('malformed', `expected one of ${PROVER_TYPES.join(', ')}`, field)
  }
  return v as ProverType
}

function bytes(v: unknown, field: string): Uint8Array {
  try {
    return parseHex(v, field)
  } catch (e) {
    if (e instanceof WitnessInvalid) throw new ProtocolError('malformed', 'expected 0x-hex bytes', field)
    throw e
  }
}

function parseBatchResponse(body: Obj): BatchResponse {
  const { batch_number, input, format } = body
  if (batch_number === null || batch_number === undefined) {
    if ((input ?? null) !== null || (format ?? null) !== null) {
      throw new ProtocolError('malformed', 'input and format must be null when batch_number is null', 'BatchResponse')
    }
    return { kind: 'BatchResponse', batchNumber: null, input: null, format: null }
  }
  const n = batchNumber(batch_number, 'BatchResponse.batch_number')
  if (typeof format !== 'string' || !(PROOF_FORMATS as readonly string[]).includes(format)) {
    throw new ProtocolError('malformed', `expected one of ${PROOF_FORMATS.join(', ')}`, 'BatchResponse.format')
  }
  const l2 = l2BatchInputFromJson(input, 'BatchResponse.input')
  return { kind: 'BatchResponse', batchNumber: n, input: l2 ?? programInputFromJson(input, 'BatchResponse.input'), format: format as ProofFormat }
}

function parseProofSubmit(body: Obj): ProofSubmit {
  const n = batchNumber(body.batch_number, 'ProofSubmit.batch_number')
  const proofEnum = object(body.batch_proof, 'ProofSubmit.batch_proof')
  const keys = Object.keys(proofEnum)
  if (keys.length !== 1 || keys[0] !== 'ProofBytes') {
    throw new ProtocolError('malformed', 'only the ProofBytes variant is accepted', 'ProofSubmit.batch_proof')
  }
  const p = object(proofEnum.ProofBytes, 'ProofSubmit.batch_proof.ProofBytes')
  return {
    kind: 'ProofSubmit',
    batchNumber: n,
    batchProof: {
      proverType: parseProverType(p.prover_type, 'ProofSubmit.batch_proof.ProofBytes.prover_type'),
      proof: bytes(p.proof, 'ProofSubmit.batch_proof.ProofBytes.proof'),
      publicValues: bytes(p.public_values, 'ProofSubmit.batch_proof.ProofBytes.public_values'),
    },
    authToken: optionalShortString(body.auth_token, 'ProofSubmit.auth_token'),
    proverId: optionalShortString(body.prover_id, 'ProofSubmit.prover_id'),
  }
}

/** Parse an already JSON-decoded value. */
export function messageFromJson(json: unknown): Message {
  if (typeof json === 'string') {
    if (json === 'VersionMismatch') return { kind: 'VersionMismatch' }
    throw new ProtocolError('unknown_variant', `unknown unit variant "${json.slice(0, 40)}"`)
  }
  const outer = object(json, 'message')
  const keys = Object.keys(outer)
  if (keys.length !== 1) throw new ProtocolError('malformed', `expected exactly one variant key, got ${keys.length}`)
  const name = keys[0]
  const value = outer[name]
  switch (name) {
    case 'BatchRequest': {
      const body = object(value, name)
      return {
        kind: 'BatchRequest',
        commitHash: shortString(body.commit_hash, 'BatchRequest.commit_hash'),
        proverType: parseProverType(body.prover_type, 'BatchRequest.prover_type'),
        authToken: optionalShortString(body.auth_token, 'BatchRequest.auth_token'),
        proverId: optionalShortString(body.prover_id, 'BatchRequest.prover_id'),
      }
    }
    case 'BatchResponse':
      return parseBatchResponse(object(value, name))
    case 'VersionMismatch':
      // serde also accepts a unit variant written as {"VersionMismatch": null}
      if (value !== null) throw new ProtocolError('malformed', 'unit variant carries no value', name)
      return { kind: 'VersionMismatch' }
    case 'ProverTypeNotNeeded':
      return { kind: 'ProverTypeNotNeeded', proverType: parseProverType(object(value, name).prover_type, `${name}.prover_type`) }
    case 'ProofSubmit':
      return parseProofSubmit(object(value, name))
    case 'ProofSubmitACK':
      return { kind: 'ProofSubmitACK', batchNumber: batchNumber(object(value, name).batch_number, `${name}.batch_number`) }
    default:
      throw new ProtocolError('unknown_variant', `unknown variant "${name.slice(0, 40)}"`)
  }
}

/** Parse one wire message (UTF-8 JSON text). Every defect is a ProtocolError; nothing else is thrown. */
export function parseMessage(text: string): Message {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new ProtocolError('malformed', `not JSON (${(e as Error).message.slice(0, 80)})`)
  }
  return messageFromJson(json)
}
