import { WitnessInvalid } from '../../guest/errors.js'
import { parseHex, toHex } from '../witness/hex.js'
import { BatchInput } from './batchInput.js'
import { ProtocolError } from './errors.js'
import { object, oneOf, readProverIdentity, shortString, u64, variantOf, writeProverIdentity } from './fields.js'
import { stringifyJson, type Json } from './json.js'
import { PROOF_FORMATS, PROVER_TYPES, type Message, type ProofFormat } from './messages.js'

/**
 * The dialect Tessera 0.1 spoke (ethrex's message set of early 2026, before ethrex PR 6361 renamed it, with
 * 0x-hex bytes where serde writes number arrays):
 *   {"BatchRequest":{"commit_hash":"0.1.0","prover_type":"Exec"}}
 *   {"BatchResponse":{"batch_number":7,"input":{"blocks":["0x.."],"witness":{..},"chainConfig":{..}},"format":"Groth16"}}
 *   {"ProofSubmit":{"batch_number":7,"batch_proof":{"ProofBytes":{"prover_type":"Exec","proof":"0x","public_values":"0x.."}}}}
 *   {"ProofSubmitACK":{"batch_number":7}}
 * Read so that provers and coordinators of that release keep working, and a request read in it is answered
 * in it; Tessera never starts a conversation in it. Kept until Tessera 0.3 (docs/protocol.md,
 * "Tessera 0.1 dialect").
 */

export const LEGACY_VARIANTS = new Set(['BatchRequest', 'BatchResponse', 'VersionMismatch', 'ProverTypeNotNeeded', 'ProofSubmit', 'ProofSubmitACK'])

function hexBytes(v: Json | undefined, field: string): Uint8Array {
  try {
    return parseHex(v, field)
  } catch (e) {
    if (e instanceof WitnessInvalid) throw new ProtocolError('malformed', 'expected 0x-hex bytes', field)
    throw e
  }
}

const proverType = (v: Json | undefined, field: string) => oneOf(v, PROVER_TYPES, field)

export function messageFromLegacyJson(json: Json): Message {
  if (json === 'VersionMismatch') return { kind: 'VersionMismatch' }
  const [name, value] = variantOf(json, 'message')
  switch (name) {
    case 'BatchRequest': {
      const body = object(value, name)
      return {
        kind: 'BatchRequest',
        commitHash: shortString(body.commit_hash, `${name}.commit_hash`),
        proverType: proverType(body.prover_type, `${name}.prover_type`),
        ...readProverIdentity(body, name),
      }
    }
    case 'BatchResponse': {
      const { batch_number, input, format } = object(value, name)
      if (batch_number === null || batch_number === undefined) {
        if ((input ?? null) !== null || (format ?? null) !== null) {
          throw new ProtocolError('malformed', 'input and format must be null when batch_number is null', name)
        }
        return { kind: 'BatchResponse', batchNumber: null, input: null, format: null }
      }
      return {
        kind: 'BatchResponse',
        batchNumber: u64(batch_number, `${name}.batch_number`),
        input: BatchInput.fromLegacyJson(input, `${name}.input`),
        format: oneOf<ProofFormat>(format, PROOF_FORMATS, `${name}.format`),
      }
    }
    case 'VersionMismatch':
      if (value !== null) throw new ProtocolError('malformed', 'unit variant carries no value', name)
      return { kind: 'VersionMismatch' }
    case 'ProverTypeNotNeeded':
      return { kind: 'ProverTypeNotNeeded', proverType: proverType(object(value, name).prover_type, `${name}.prover_type`) }
    case 'ProofSubmit': {
      const body = object(value, name)
      const [variant, proof] = variantOf(body.batch_proof, `${name}.batch_proof`)
      if (variant !== 'ProofBytes') throw new ProtocolError('malformed', 'only the ProofBytes variant is accepted', `${name}.batch_proof`)
      const p = object(proof, `${name}.batch_proof.ProofBytes`)
      const at = `${name}.batch_proof.ProofBytes`
      return {
        kind: 'ProofSubmit',
        batchNumber: u64(body.batch_number, `${name}.batch_number`),
        batchProof: {
          proverType: proverType(p.prover_type, `${at}.prover_type`),
          proof: hexBytes(p.proof, `${at}.proof`),
          publicValues: hexBytes(p.public_values, `${at}.public_values`),
        },
        ...readProverIdentity(body, name),
      }
    }
    case 'ProofSubmitACK':
      return { kind: 'ProofSubmitACK', batchNumber: u64(object(value, name).batch_number, `${name}.batch_number`) }
    default:
      throw new ProtocolError('unknown_variant', `unknown variant "${name.slice(0, 40)}"`)
  }
}

function legacyValue(msg: Message): Json {
  switch (msg.kind) {
    case 'BatchRequest': {
      const body: { [k: string]: Json } = { commit_hash: msg.commitHash, prover_type: msg.proverType }
      return { BatchRequest: writeProverIdentity(body, msg) }
    }
    case 'BatchResponse':
      return { BatchResponse: { batch_number: msg.batchNumber, input: msg.input === null ? null : msg.input.legacyJson(), format: msg.format } }
    case 'VersionMismatch':
      return 'VersionMismatch'
    case 'ProverTypeNotNeeded':
      return { ProverTypeNotNeeded: { prover_type: msg.proverType } }
    case 'ProofSubmit': {
      const { proverType: t, proof, publicValues } = msg.batchProof
      const body: { [k: string]: Json } = {
        batch_number: msg.batchNumber,
        batch_proof: { ProofBytes: { prover_type: t, proof: toHex(proof), public_values: toHex(publicValues ?? new Uint8Array(0)) } },
      }
      return { ProofSubmit: writeProverIdentity(body, msg) }
    }
    case 'ProofSubmitACK':
      return { ProofSubmitACK: { batch_number: msg.batchNumber } }
    case 'ProverSetup':
    case 'ProverSetupACK':
      throw new ProtocolError('malformed', `${msg.kind} does not exist in the Tessera 0.1 dialect`)
  }
}

export function encodeLegacyMessage(msg: Message): string {
  return stringifyJson(legacyValue(msg))
}
