import { createHash } from 'node:crypto'

/** Byte helpers the proof verifiers share: big-endian words as in Solidity's abi.decode, and sha256. */

export function sha256(...parts: (Uint8Array | string)[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

export function bigintFromBytes(bytes: Uint8Array): bigint {
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** The i-th 32-byte big-endian word after `offset` bytes (abi.decode of uint256[]). */
export function word(bytes: Uint8Array, offset: number, i: number): bigint {
  return bigintFromBytes(bytes.subarray(offset + 32 * i, offset + 32 * (i + 1)))
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
