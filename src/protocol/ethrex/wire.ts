import { BatchInput } from '../batchInput.js'
import { ProtocolError } from '../errors.js'
import { byteArray, bytesToJson, object, oneOf, optionalShortString, readProverIdentity, shortString, u64, variantOf, writeProverIdentity, type JsonObject } from '../fields.js'
import { stringifyJson, type Json } from '../json.js'
import { PROOF_FORMATS, PROVER_TYPES, type BatchProof, type Message, type ProofFormat } from '../messages.js'

/**
 * ethrex's `ProofData` exactly as serde_json writes it (externally tagged enum, unit variants as bare
 * strings, struct fields in declaration order, `Vec<u8>`/`Bytes` as arrays of numbers).
 *
 * Followed: lambdaclass/ethrex@753188a7de81e5b7be424a663d079ee23c4b75f2 crates/common/types/prover.rs
 *   ProverType 7-12, ProofBytes 52-56, ProofFormat 60-66, ProofData<I> 75-115:
 *     ProverSetup{prover_type, payload: Bytes} 77-80, ProverSetupACK 83, InputRequest{commit_hash,
 *     prover_type} 89-92, VersionMismatch 96, ProverTypeNotNeeded{prover_type} 100,
 *     InputResponse{id: Option<u64>, input: Option<I>, format: Option<ProofFormat>} 104-108,
 *     ProofSubmit{id, proof} 111, ProofSubmitACK{id} 114.
 * and the newest revision the search index holds, where `ProofSubmit.proof` is a `ProverOutput`:
 *   `Proof(ProofBytes{prover_type, proof})` or `ProofWithPublicValues{proof_bytes, public_values}`
 *   (lambdaclass/ethrex@09ea9748ab165e2513f791446a711b87dcc2bb39 crates/prover/src/backend/exec.rs,
 *   `empty_proof_bytes`: the Exec backend sends `Proof(ProofBytes{prover_type: Exec, proof: [0]})`;
 *   crates/l2/sequencer/proof_coordinator.rs `handle_submit(.., proof_bytes: ProverOutput)`).
 * Written: the ProverOutput form. Read as well: the two earlier `proof` payloads of the same message,
 * `ProofBytes{prover_type, proof, public_values}` (753188a7 line 111) and the `BatchProof` enum
 * `{"ProofBytes": {...}}` (ethrex@13a8668c crates/prover/src/protocol.rs, `ProofSubmit{id, proof: BatchProof}`).
 */

export const ETHREX_VARIANTS = new Set([
  'ProverSetup',
  'ProverSetupACK',
  'InputRequest',
  'VersionMismatch',
  'ProverTypeNotNeeded',
  'InputResponse',
  'ProofSubmit',
  'ProofSubmitACK',
])

// ---------- encoding ----------

function proverOutputJson(p: BatchProof): Json {
  const proofBytes: JsonObject = { prover_type: p.proverType, proof: bytesToJson(p.proof) }
  if (p.publicValues === undefined) return { Proof: proofBytes }
  return { ProofWithPublicValues: { proof_bytes: proofBytes, public_values: bytesToJson(p.publicValues) } }
}

function ethrexValue(msg: Message): Json {
  switch (msg.kind) {
    case 'BatchRequest': {
      const body: JsonObject = { commit_hash: msg.commitHash, prover_type: msg.proverType }
      return { InputRequest: writeProverIdentity(body, msg) }
    }
    case 'BatchResponse': {
      const body: JsonObject = { id: msg.batchNumber, input: msg.input === null ? null : msg.input.ethrexJson(), format: msg.format }
      if (msg.lease !== undefined) body.lease = msg.lease
      return { InputResponse: body }
    }
    case 'VersionMismatch':
      return 'VersionMismatch'
    case 'ProverTypeNotNeeded':
      return { ProverTypeNotNeeded: { prover_type: msg.proverType } }
    case 'ProofSubmit': {
      const body: JsonObject = { id: msg.batchNumber, proof: proverOutputJson(msg.batchProof) }
      if (msg.lease !== undefined) body.lease = msg.lease
      return { ProofSubmit: writeProverIdentity(body, msg) }
    }
    case 'ProofSubmitACK':
      return { ProofSubmitACK: { id: msg.batchNumber } }
    case 'ProverSetup': {
      const body: JsonObject = { prover_type: msg.proverType, payload: bytesToJson(msg.payload) }
      if (msg.authToken !== undefined) body.auth_token = msg.authToken
      return { ProverSetup: body }
    }
    case 'ProverSetupACK':
      return 'ProverSetupACK'
  }
}

export function encodeEthrexMessage(msg: Message): string {
  return stringifyJson(ethrexValue(msg))
}

// ---------- parsing ----------

const proverType = (v: Json | undefined, field: string) => oneOf(v, PROVER_TYPES, field)

/** `ProofSubmit.proof`: the current ProverOutput, or either earlier payload of the same message. */
function parseSubmittedProof(v: Json | undefined, field: string): BatchProof {
  const o = object(v, field)
  if ('prover_type' in o) {
    // ProofBytes{prover_type, proof, public_values} (ethrex@753188a7)
    return {
      proverType: proverType(o.prover_type, `${field}.prover_type`),
      proof: byteArray(o.proof, `${field}.proof`),
      publicValues: byteArray(o.public_values, `${field}.public_values`),
    }
  }
  const [variant, body] = variantOf(o, field)
  const at = `${field}.${variant}`
  switch (variant) {
    case 'Proof': {
      const b = object(body, at)
      return { proverType: proverType(b.prover_type, `${at}.prover_type`), proof: byteArray(b.proof, `${at}.proof`) }
    }
    case 'ProofWithPublicValues': {
      const b = object(body, at)
      const pb = object(b.proof_bytes, `${at}.proof_bytes`)
      return {
        proverType: proverType(pb.prover_type, `${at}.proof_bytes.prover_type`),
        proof: byteArray(pb.proof, `${at}.proof_bytes.proof`),
        publicValues: byteArray(b.public_values, `${at}.public_values`),
      }
    }
    case 'ProofBytes': {
      // BatchProof::ProofBytes(ProofBytes{prover_type, proof, public_values}) (ethrex@13a8668c)
      const b = object(body, at)
      return {
        proverType: proverType(b.prover_type, `${at}.prover_type`),
        proof: byteArray(b.proof, `${at}.proof`),
        publicValues: byteArray(b.public_values, `${at}.public_values`),
      }
    }
    case 'ProofCalldata':
      throw new ProtocolError('malformed', 'ABI calldata proofs (ethrex before ProverOutput) cannot be checked or stored; send ProverOutput', at)
    default:
      throw new ProtocolError('malformed', `unknown proof variant "${variant.slice(0, 40)}"`, field)
  }
}

function parseInputResponse(body: JsonObject): Message {
  const { id, input, format } = body
  if (id === null || id === undefined) {
    if ((input ?? null) !== null || (format ?? null) !== null) {
      throw new ProtocolError('malformed', 'input and format must be null when id is null', 'InputResponse')
    }
    return { kind: 'BatchResponse', batchNumber: null, input: null, format: null }
  }
  const lease = optionalShortString(body.lease, 'InputResponse.lease')
  return {
    kind: 'BatchResponse',
    batchNumber: u64(id, 'InputResponse.id'),
    input: BatchInput.fromEthrexJson(input, 'InputResponse.input'),
    format: oneOf<ProofFormat>(format, PROOF_FORMATS, 'InputResponse.format'),
    ...(lease === undefined ? {} : { lease }),
  }
}

/** An ethrex ProofData value (from parseJson). */
export function messageFromEthrexJson(json: Json): Message {
  if (typeof json === 'string') {
    if (json === 'VersionMismatch') return { kind: 'VersionMismatch' }
    if (json === 'ProverSetupACK') return { kind: 'ProverSetupACK' }
    throw new ProtocolError('unknown_variant', `unknown unit variant "${json.slice(0, 40)}"`)
  }
  const [name, value] = variantOf(json, 'message')
  switch (name) {
    case 'InputRequest': {
      const body = object(value, name)
      return {
        kind: 'BatchRequest',
        commitHash: shortString(body.commit_hash, `${name}.commit_hash`),
        proverType: proverType(body.prover_type, `${name}.prover_type`),
        ...readProverIdentity(body, name),
      }
    }
    case 'InputResponse':
      return parseInputResponse(object(value, name))
    case 'VersionMismatch':
    case 'ProverSetupACK':
      // serde also accepts a unit variant written as {"VersionMismatch": null}
      if (value !== null) throw new ProtocolError('malformed', 'unit variant carries no value', name)
      return { kind: name }
    case 'ProverTypeNotNeeded':
      return { kind: 'ProverTypeNotNeeded', proverType: proverType(object(value, name).prover_type, `${name}.prover_type`) }
    case 'ProofSubmit': {
      const body = object(value, name)
      return {
        kind: 'ProofSubmit',
        batchNumber: u64(body.id, `${name}.id`),
        batchProof: parseSubmittedProof(body.proof, `${name}.proof`),
        ...readProverIdentity(body, name),
        ...(body.lease === undefined || body.lease === null ? {} : { lease: shortString(body.lease, `${name}.lease`) }),
      }
    }
    case 'ProofSubmitACK':
      return { kind: 'ProofSubmitACK', batchNumber: u64(object(value, name).id, `${name}.id`) }
    case 'ProverSetup': {
      const body = object(value, name)
      return {
        kind: 'ProverSetup',
        proverType: proverType(body.prover_type, `${name}.prover_type`),
        payload: byteArray(body.payload, `${name}.payload`),
        authToken: optionalShortString(body.auth_token, `${name}.auth_token`),
      }
    }
    default:
      throw new ProtocolError('unknown_variant', `unknown variant "${name.slice(0, 40)}"`)
  }
}
