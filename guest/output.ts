import type { ProgramOutput } from './types.js'

/** Size of ethrex's L1 public values: three 32-byte hashes and two uint256 big-endian integers. */
export const PUBLIC_VALUES_LENGTH = 160

function uint256(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new RangeError(`value ${value} does not fit in uint256`)
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0 && value > 0n; i--) {
    out[i] = Number(value & 0xffn)
    value >>= 8n
  }
  return out
}

function readUint256(bytes: Uint8Array): bigint {
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** initialStateRoot ‖ finalStateRoot ‖ lastBlockHash ‖ chainId (u256 BE) ‖ transactionCount (u256 BE). */
export function encodePublicValues(output: ProgramOutput): Uint8Array {
  const out = new Uint8Array(PUBLIC_VALUES_LENGTH)
  for (const [i, h] of [output.initialStateRoot, output.finalStateRoot, output.lastBlockHash].entries()) {
    if (h.length !== 32) throw new RangeError(`public value ${i} must be 32 bytes, got ${h.length}`)
    out.set(h, i * 32)
  }
  out.set(uint256(output.chainId), 96)
  out.set(uint256(output.transactionCount), 128)
  return out
}

export function decodePublicValues(bytes: Uint8Array): ProgramOutput {
  if (bytes.length !== PUBLIC_VALUES_LENGTH) {
    throw new RangeError(`public values must be ${PUBLIC_VALUES_LENGTH} bytes, got ${bytes.length}`)
  }
  return {
    initialStateRoot: bytes.slice(0, 32),
    finalStateRoot: bytes.slice(32, 64),
    lastBlockHash: bytes.slice(64, 96),
    chainId: readUint256(bytes.subarray(96, 128)),
    transactionCount: readUint256(bytes.subarray(128, 160)),
  }
}
