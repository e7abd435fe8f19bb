/**
 * Recognising an SSZ stateless input by its first bytes, without loading the SSZ library (./ssz.ts): reading
 * any other input shape should not pay for @chainsafe/ssz (about 70 ms of module loading).
 */

/** EIP-8025 schema id of the stateless input (Amsterdam, revision 1), before the SSZ container. */
export const STATELESS_INPUT_SCHEMA_ID = Uint8Array.from([0x15, 0x01])

/** The container's first offset: 16 in the `chain-id` layout, 20 in the `chain-config` one. */
export const firstOffset = (bytes: Uint8Array) => (bytes.length >= 6 ? new DataView(bytes.buffer, bytes.byteOffset + 2).getUint32(0, true) : -1)

export function isSszStatelessInput(bytes: Uint8Array): boolean {
  return bytes.length > 24 && bytes[0] === STATELESS_INPUT_SCHEMA_ID[0] && bytes[1] === STATELESS_INPUT_SCHEMA_ID[1] && [16, 20].includes(firstOffset(bytes))
}
