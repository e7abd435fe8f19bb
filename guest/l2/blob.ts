import { bytesToHex, concatBytes, hexToBytes } from '@ethereumjs/util'
import { sha256 } from '@noble/hashes/sha2.js'
import { BlockInvalid } from '../errors.js'
import type { KZG } from 'micro-eth-signer/kzg.js'
import type { Common } from '@ethereumjs/common'
import { decodeL2Blocks, encodeL2Block, type L2Block } from './block.js'
import { BYTES_PER_BLOB, FIELD_ELEMENTS_PER_BLOB, SAFE_BYTES_PER_BLOB } from './constants.js'
import { decodeFeeConfig, encodeFeeConfig, type FeeConfig } from './feeConfig.js'

/** A blob's content is wrong: not packed as ethrex packs it, or not matching its commitment. */
export class BlobInvalid extends BlockInvalid {}

/**
 * The batch payload ethrex puts in the blob (l1_committer.rs generate_blobs_bundle and the guest's
 * verify_blob @ 6fbd93b5): block count as u64 BE ‖ each block's RLP ‖ each block's fee config bytes.
 */
export function encodeBatchPayload(blocks: L2Block[], feeConfigs: FeeConfig[]): Uint8Array {
  if (blocks.length !== feeConfigs.length) {
    throw new BlobInvalid(undefined, 'fee configs', { expected: `${blocks.length} (one per block)`, actual: String(feeConfigs.length) })
  }
  const count = new Uint8Array(8)
  new DataView(count.buffer).setBigUint64(0, BigInt(blocks.length))
  return concatBytes(count, ...blocks.map(encodeL2Block), ...feeConfigs.map(encodeFeeConfig))
}

/** ethrex blob_from_bytes: 31-byte chunks, each behind a zero byte, zero-padded to 4096 field elements. */
export function blobFromPayload(payload: Uint8Array): Uint8Array {
  if (payload.length > SAFE_BYTES_PER_BLOB) {
    throw new BlobInvalid(undefined, 'blob size', { reason: `payload of ${payload.length} bytes exceeds ${SAFE_BYTES_PER_BLOB}` })
  }
  const blob = new Uint8Array(BYTES_PER_BLOB)
  for (let i = 0, fe = 0; i < payload.length; i += 31, fe++) blob.set(payload.subarray(i, i + 31), fe * 32 + 1)
  return blob
}

/** ethrex bytes_from_blob: the 31 payload bytes of each field element. The top byte of each must be zero. */
export function payloadFromBlob(blob: Uint8Array, where = 'blob'): Uint8Array {
  if (blob.length !== BYTES_PER_BLOB) throw new BlobInvalid(undefined, `${where}: size`, { expected: String(BYTES_PER_BLOB), actual: String(blob.length) })
  const out = new Uint8Array(SAFE_BYTES_PER_BLOB)
  for (let fe = 0; fe < FIELD_ELEMENTS_PER_BLOB; fe++) {
    if (blob[fe * 32] !== 0) {
      throw new BlobInvalid(undefined, `${where}: field element ${fe}`, { reason: `top byte is 0x${blob[fe * 32].toString(16).padStart(2, '0')}, ethrex packs 31 bytes behind a zero byte` })
    }
    out.set(blob.subarray(fe * 32 + 1, fe * 32 + 32), fe * 31)
  }
  return out
}

/** EIP-4844 versioned hash: sha256(commitment) with its first byte set to 0x01. */
export function versionedHash(commitment: Uint8Array): Uint8Array {
  const h = sha256(commitment)
  h[0] = 0x01
  return h
}

/**
 * The guest's blob check (ethrex verify_blob): rebuild the blob from the executed blocks and the fee configs,
 * verify the KZG proof against the claimed commitment, return the versioned hash. All-zero commitment and
 * proof = validium (no blob), versioned hash zero, as ethrex.
 */
export function verifyBatchBlob(kzg: KZG, blocks: L2Block[], feeConfigs: FeeConfig[], commitment: Uint8Array, proof: Uint8Array): Uint8Array {
  if (commitment.length !== 48 || proof.length !== 48) {
    throw new BlobInvalid(undefined, 'blob commitment/proof', { reason: `expected 48 bytes each, got ${commitment.length} and ${proof.length}` })
  }
  if (commitment.every((b) => b === 0) && proof.every((b) => b === 0)) return new Uint8Array(32)
  const blob = blobFromPayload(encodeBatchPayload(blocks, feeConfigs))
  let ok: boolean
  try {
    ok = kzg.verifyBlobProof(bytesToHex(blob), bytesToHex(commitment), bytesToHex(proof))
  } catch (e) {
    throw new BlobInvalid(undefined, 'blob KZG proof', { reason: `not a valid commitment/proof encoding (${(e as Error).message})` })
  }
  if (!ok) throw new BlobInvalid(undefined, 'blob KZG proof', { reason: `proof ${bytesToHex(proof)} does not open commitment ${bytesToHex(commitment)} to the batch's blocks and fee configs` })
  return versionedHash(commitment)
}

/** Commitment and proof for a blob (used by the host to build inputs; ethrex: blob_to_kzg_commitment_and_proof). */
export function commitBlob(kzg: KZG, blob: Uint8Array): { commitment: Uint8Array; proof: Uint8Array } {
  const hex = bytesToHex(blob)
  const commitment = kzg.blobToKzgCommitment(hex)
  const proof = kzg.computeBlobProof(hex, commitment)
  return { commitment: hexBytes(commitment), proof: hexBytes(proof) }
}

function hexBytes(h: string): Uint8Array {
  return hexToBytes((h.startsWith('0x') ? h : `0x${h}`) as `0x${string}`)
}

/**
 * Decode a batch payload (ethrex's reconstruct command, cmd/ethrex/l2/command.rs @ 6fbd93b5): u64 block
 * count, that many RLP blocks, that many fee configs; what follows must be the blob's zero padding.
 */
export function decodeBatchPayload(payload: Uint8Array, common: Common, where = 'blob'): { blocks: L2Block[]; feeConfigs: FeeConfig[]; length: number } {
  if (payload.length < 8) throw new BlobInvalid(undefined, `${where}: block count`, { reason: 'truncated' })
  const count = new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0)
  // Each block takes at least a few bytes: a count beyond the payload size is corruption, not a batch.
  if (count === 0n || count > BigInt(payload.length)) {
    throw new BlobInvalid(undefined, `${where}: block count`, { reason: `${count} blocks cannot be in a ${payload.length}-byte payload` })
  }
  const { blocks, rest } = decodeL2Blocks(payload.subarray(8), Number(count), common, where)
  let offset = payload.length - rest.length
  const feeConfigs: FeeConfig[] = []
  for (const block of blocks) {
    const { config, consumed } = decodeFeeConfig(payload.subarray(offset), `${where}: fee config of block ${block.header.number}`)
    feeConfigs.push(config)
    offset += consumed
  }
  for (let i = offset; i < payload.length; i++) {
    if (payload[i] !== 0) throw new BlobInvalid(undefined, `${where}: padding`, { reason: `non-zero byte at payload offset ${i} after the last fee config` })
  }
  return { blocks, feeConfigs, length: offset }
}
