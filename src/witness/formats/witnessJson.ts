import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessInvalid } from '../../../guest/errors.js'
import { parseHex, toHex } from '../hex.js'
import { isObject, list, pick, type Json } from './json.js'
import type { HeaderSource, LoadedInput } from './types.js'

export type WitnessParts = Pick<LoadedInput, 'state' | 'codes' | 'keys' | 'headers'>

/** `{ "0x<keccak>": "0x<preimage>" }`: each key must be the keccak256 of its value. */
function hashMap(value: Json, where: string, checkKeys = true): Uint8Array[] {
  return Object.entries(value).map(([hash, preimage]) => {
    const bytes = parseHex(preimage, `${where}[${hash}]`)
    if (checkKeys) {
      const key = parseHex(hash, `${where} key`)
      if (toHex(keccak_256(bytes)) !== toHex(key)) throw new WitnessInvalid(`${where}[${hash}]`, `keccak256 of the value is ${toHex(keccak_256(bytes))}`)
    }
    return bytes
  })
}

/** A byte list in any form producers write: `[hex]`, `{hash: hex}`, `[{hash: hex}]` (ethrex 2025 codes). */
export function byteItems(value: unknown, where: string, checkKeys = true): Uint8Array[] {
  if (value === undefined || value === null) return []
  if (isObject(value)) return hashMap(value, where, checkKeys)
  return list(value, where).flatMap((v, i) => (isObject(v) ? hashMap(v, `${where}[${i}]`, checkKeys) : [parseHex(v, `${where}[${i}]`)]))
}

export function headerItems(value: unknown, where: string): HeaderSource[] {
  if (value === undefined || value === null) return []
  const items = isObject(value) ? Object.entries(value).map(([k, v]) => [`${where}[${k}]`, v] as const) : list(value, where).map((v, i) => [`${where}[${i}]`, v] as const)
  return items.map(([w, h]) => (typeof h === 'string' ? parseHex(h, w) : isObject(h) ? { json: h, where: w } : (() => {
    throw new WitnessInvalid(w, 'expected an RLP hex string or a JSON header')
  })()))
}

/**
 * `debug_executionWitness` in any form: list form (ethrex, reth), map form (reth 2024, `{hash: preimage}`),
 * geth's JSON-header variant, with or without headers. `keys` are informational; map-form keys are still
 * checked against their hashes because a wrong one means a corrupt file.
 */
export function witnessFromJson(w: unknown, where: string): WitnessParts {
  if (!isObject(w)) throw new WitnessInvalid(where, 'expected a witness object with state, codes, keys, headers')
  const state = pick(w, 'state', 'nodes', 'states')
  if (state === undefined) throw new WitnessInvalid(`${where}.state`, 'missing')
  return {
    state: byteItems(state, `${where}.state`),
    codes: byteItems(pick(w, 'codes'), `${where}.codes`),
    keys: byteItems(pick(w, 'keys'), `${where}.keys`),
    headers: headerItems(pick(w, 'headers'), `${where}.headers`),
  }
}

/** Is this JSON object a witness (and not a block or a whole cache)? */
export function looksLikeWitness(o: Json): boolean {
  return (o.state !== undefined || o.nodes !== undefined) && o.transactions === undefined && o.blocks === undefined
}
