import { WitnessInvalid } from '../../guest/errors.js'

const HEX = /^0x([0-9a-fA-F]{2})*$/

/** Strict 0x-hex to bytes: even length, hex digits only. `field` names the offending value in errors. */
export function parseHex(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') throw new WitnessInvalid(field, `expected a 0x-hex string, got ${typeof value}`)
  if (!HEX.test(value)) {
    const shown = value.length > 24 ? `${value.slice(0, 24)}…` : value
    throw new WitnessInvalid(field, `not 0x-prefixed even-length hex: "${shown}"`)
  }
  return Uint8Array.from(Buffer.from(value.slice(2), 'hex'))
}

export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}
