import { ProtocolError } from './errors.js'
import { isObject, type Json } from './json.js'

/**
 * Readers for the field types serde writes, each failing with a ProtocolError that names the field:
 * `Vec<u8>`/`Bytes`/`[u8; N]` are JSON arrays of numbers 0..255, u64 are JSON numbers, H256/Address are
 * 0x-hex strings.
 */

export type JsonObject = { [key: string]: Json }

export function object(v: Json | undefined, field: string): JsonObject {
  if (!isObject(v)) throw new ProtocolError('malformed', 'expected an object', field)
  return v
}

export function array(v: Json | undefined, field: string): Json[] {
  if (!Array.isArray(v)) throw new ProtocolError('malformed', 'expected an array', field)
  return v
}

/** u64 as a JSON number; Tessera keeps them as JS numbers, so values above 2^53 are refused. */
export function u64(v: Json | undefined, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ProtocolError('malformed', typeof v === 'bigint' ? 'integer too large for Tessera (above 2^53)' : 'expected a non-negative integer', field)
  }
  return v
}

/** Longest string accepted for commit_hash / auth_token / prover_id. */
export const MAX_SHORT_STRING = 256

export function shortString(v: Json | undefined, field: string): string {
  if (typeof v !== 'string' || v.length > MAX_SHORT_STRING) {
    throw new ProtocolError('malformed', `expected a string of at most ${MAX_SHORT_STRING} characters`, field)
  }
  return v
}

export function optionalShortString(v: Json | undefined, field: string): string | undefined {
  return v === undefined || v === null ? undefined : shortString(v, field)
}

/** The optional identity a prover sends with its requests and submits; both wire dialects name it alike. */
export interface ProverIdentity {
  authToken?: string
  proverId?: string
}

export function readProverIdentity(body: JsonObject, name: string): ProverIdentity {
  return { authToken: optionalShortString(body.auth_token, `${name}.auth_token`), proverId: optionalShortString(body.prover_id, `${name}.prover_id`) }
}

/** Adds `auth_token` / `prover_id` to `body` when set (serde skips them when None). */
export function writeProverIdentity(body: JsonObject, identity: ProverIdentity): JsonObject {
  if (identity.authToken !== undefined) body.auth_token = identity.authToken
  if (identity.proverId !== undefined) body.prover_id = identity.proverId
  return body
}

/** serde's `Vec<u8>` / `bytes::Bytes`: a JSON array of integers 0..255. */
export function byteArray(v: Json | undefined, field: string, length?: number): Uint8Array {
  if (!Array.isArray(v)) throw new ProtocolError('malformed', 'expected an array of byte values (serde Vec<u8>)', field)
  if (length !== undefined && v.length !== length) throw new ProtocolError('malformed', `expected exactly ${length} bytes, got ${v.length}`, field)
  const out = new Uint8Array(v.length)
  for (let i = 0; i < v.length; i++) {
    const b = v[i]
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) {
      throw new ProtocolError('malformed', `byte ${i} is ${JSON.stringify(typeof b === 'bigint' ? String(b) : b)}, expected 0..255`, field)
    }
    out[i] = b
  }
  return out
}

/** `Vec<Vec<u8>>`: an array of byte arrays. */
export function byteArrays(v: Json | undefined, field: string): Uint8Array[] {
  return array(v, field).map((item, i) => byteArray(item, `${field}[${i}]`))
}

export function bytesToJson(bytes: Uint8Array): number[] {
  return Array.from(bytes)
}

/** ethereum-types' H160/H256 serde form: "0x" + lowercase hex of exactly `length` bytes. */
export function fixedHex(v: Json | undefined, field: string, length: number): Uint8Array {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]*$/.test(v) || v.length !== 2 + 2 * length) {
    throw new ProtocolError('malformed', `expected 0x-hex of ${length} bytes`, field)
  }
  return Uint8Array.from(Buffer.from(v.slice(2), 'hex'))
}

export function toFixedHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`
}

export function oneOf<T extends string>(v: Json | undefined, allowed: readonly T[], field: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ProtocolError('malformed', `expected one of ${allowed.join(', ')}`, field)
  }
  return v as T
}

/** An externally tagged serde enum value `{"Variant": body}`: its one key and body. */
export function variantOf(v: Json | undefined, field: string): [string, Json] {
  const o = object(v, field)
  const keys = Object.keys(o)
  if (keys.length !== 1) throw new ProtocolError('malformed', `expected exactly one variant key, got ${keys.length}`, field)
  return [keys[0], o[keys[0]]]
}
