import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessInvalid } from '../../guest/errors.js'
import type { ExecutionWitness } from '../../guest/types.js'
import { parseHex, toHex } from './hex.js'

/** debug_executionWitness as it travels in JSON: the list form served by ethrex and reth. */
export interface ExecutionWitnessJson {
  state: string[]
  codes: string[]
  keys: string[]
  headers: string[]
}

function hexList(value: unknown, field: string, required: boolean): Uint8Array[] {
  if (value === undefined || value === null) {
    if (required) throw new WitnessInvalid(field, 'missing')
    return []
  }
  if (!Array.isArray(value)) throw new WitnessInvalid(field, 'expected an array')
  return value.map((v, i) => parseHex(v, `${field}[${i}]`))
}

/** Older map form `{ "0x<keccak>": "0x<preimage>" }`: check each key really is the hash of its value. */
function hashMap(value: Record<string, unknown>, field: string): Uint8Array[] {
  return Object.entries(value).map(([hash, preimage]) => {
    const bytes = parseHex(preimage, `${field}[${hash}]`)
    const key = parseHex(hash, `${field} key`)
    if (toHex(keccak_256(bytes)) !== toHex(key)) {
      throw new WitnessInvalid(`${field}[${hash}]`, `keccak256 of the value is ${toHex(keccak_256(bytes))}`)
    }
    return bytes
  })
}

/** geth's variant lists headers as JSON objects; the host converts them with this hook (src/witness/header.ts). */
export type HeaderJsonEncoder = (header: Record<string, unknown>, field: string) => Uint8Array

/**
 * Parse any accepted witness form: list form (`state`/`codes`/`keys`/`headers` arrays), the older map form
 * (`state`/`codes`/`keys` as hash -> preimage maps) and geth's JSON-header variant.
 */
export function parseExecutionWitness(json: unknown, encodeHeader?: HeaderJsonEncoder): ExecutionWitness {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WitnessInvalid('witness', 'expected a JSON object with state, codes, keys, headers')
  }
  const w = json as Record<string, unknown>
  const part = (name: string): Uint8Array[] => {
    const v = w[name]
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return hashMap(v as Record<string, unknown>, `witness.${name}`)
    return hexList(v, `witness.${name}`, name === 'state')
  }
  const headersValue = w.headers
  let headers: Uint8Array[]
  if (Array.isArray(headersValue) && headersValue.some((h) => typeof h === 'object' && h !== null)) {
    if (encodeHeader === undefined) throw new WitnessInvalid('witness.headers', 'JSON headers need a header encoder')
    headers = headersValue.map((h, i) =>
      typeof h === 'string' ? parseHex(h, `witness.headers[${i}]`) : encodeHeader(h as Record<string, unknown>, `witness.headers[${i}]`),
    )
  } else {
    headers = hexList(headersValue, 'witness.headers', true)
  }
  return { state: part('state'), codes: part('codes'), keys: part('keys'), headers }
}

export function executionWitnessToJson(witness: ExecutionWitness): ExecutionWitnessJson {
  return {
    state: witness.state.map(toHex),
    codes: witness.codes.map(toHex),
    keys: witness.keys.map(toHex),
    headers: witness.headers.map(toHex),
  }
}

/** Size of a witness as reported to users: item counts and total bytes. */
export function witnessSize(witness: ExecutionWitness): { nodes: number; codes: number; headers: number; bytes: number } {
  const sum = (l: Uint8Array[]) => l.reduce((n, b) => n + b.length, 0)
  return {
    nodes: witness.state.length,
    codes: witness.codes.length,
    headers: witness.headers.length,
    bytes: sum(witness.state) + sum(witness.codes) + sum(witness.keys) + sum(witness.headers),
  }
}
