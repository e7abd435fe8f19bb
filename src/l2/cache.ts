import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipBounded, readRegularFile } from '../witness/inputFile.js'
import { createBlockHeaderFromRPC } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Address, bytesToHex } from '@ethereumjs/util'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { WitnessInvalid } from '../../guest/errors.js'
import { decodeL2Block, type L2Block, type L2Transaction } from '../../guest/l2/block.js'
import { feeConfigToJson, type FeeConfig, type FeeConfigJson } from '../../guest/l2/feeConfig.js'
import { PrivilegedTransaction } from '../../guest/l2/privilegedTx.js'
import type { L2ProgramInput } from '../../guest/l2/types.js'
import type { ChainConfig } from '../../guest/types.js'
import { executionWitnessToJson, parseExecutionWitness, type ExecutionWitnessJson } from '../witness/codec.js'
import { parseHex } from '../witness/hex.js'

/**
 * An L2 batch cache file, `cache_batch_<n>.json`. Field names follow ethrex-replay's L2 cache
 * (lambdaclass/ethrex-replay src/cache.rs: `blocks`, `witness`, `network`, the chain config flattened at the
 * top level, `blob_commitment` / `blob_proof` as 48-number arrays, as serde writes `[u8; 48]`). ethrex-replay
 * has no fee configs in its file; Tessera adds `fee_configs` (serde FeeConfig) and `elasticity_multiplier`,
 * which ethrex's ProgramInput needs. Each block also carries `rlp`, its ethrex encoding, which is what is
 * executed; the JSON header and transactions beside it must match it exactly (checked on read).
 */
export interface L2BatchCacheFile {
  batch_number?: number
  blocks: { header: Record<string, unknown>; body: { transactions: Record<string, unknown>[]; uncles: []; withdrawals: null }; rlp: string }[]
  witness: ExecutionWitnessJson
  network: ChainConfig
  blob_commitment: number[]
  blob_proof: number[]
  fee_configs: FeeConfigJson[]
  elasticity_multiplier: number
  [chainConfigField: string]: unknown
}

export class L2CacheFormatError extends WitnessInvalid {}

/** An L2 batch cache file has a blob commitment; L1 caches do not. */
export function isL2BatchCache(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'blob_commitment' in json
}

export function l2BatchCacheFileName(batchNumber: number): string {
  return `cache_batch_${batchNumber}.json`
}

function txJson(tx: L2Transaction): Record<string, unknown> {
  if (tx instanceof PrivilegedTransaction) return tx.toJSON()
  const t = tx as TypedTransaction
  return { ...t.toJSON(), type: `0x${t.type.toString(16)}`, from: t.getSenderAddress().toString(), hash: bytesToHex(t.hash()) }
}

function blockJson(block: L2Block, rlp: Uint8Array): L2BatchCacheFile['blocks'][number] {
  return {
    header: { ...block.header.toJSON(), hash: bytesToHex(block.hash()) },
    body: { transactions: (block.transactions as L2Transaction[]).map(txJson), uncles: [], withdrawals: null },
    rlp: bytesToHex(rlp),
  }
}

export function l2InputToCacheFile(input: L2ProgramInput, batchNumber?: number): L2BatchCacheFile {
  const common = commonFromChainConfig(input.chainConfig, guestCrypto())
  const blocks = input.blocks.map((rlp, i) => blockJson(decodeL2Block(RLP.decode(rlp), common, `blocks[${i}]`), rlp))
  return {
    ...(input.chainConfig as unknown as Record<string, unknown>),
    batch_number: batchNumber,
    blocks,
    witness: executionWitnessToJson(input.witness),
    network: input.chainConfig,
    blob_commitment: [...input.blobCommitment],
    blob_proof: [...input.blobProof],
    fee_configs: input.feeConfigs.map(feeConfigToJson),
    elasticity_multiplier: Number(input.elasticityMultiplier),
  }
}

/** Write atomically (temp file + rename), so an interrupted run never leaves a truncated batch file. */
export async function writeL2BatchCache(dir: string, batchNumber: number, input: L2ProgramInput): Promise<string> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, l2BatchCacheFileName(batchNumber))
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, JSON.stringify(l2InputToCacheFile(input, batchNumber)))
  await rename(tmp, path)
  return path
}

export async function readL2BatchCacheJson(path: string): Promise<unknown> {
  let bytes = await readRegularFile(path)
  if (path.endsWith('.gz')) bytes = gunzipBounded(bytes, path)
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch (e) {
    throw new L2CacheFormatError(path, `not valid JSON (${(e as Error).message})`)
  }
}

function bytes48(v: unknown, field: string): Uint8Array {
  if (!Array.isArray(v) || v.length !== 48 || !v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
    throw new L2CacheFormatError(field, 'expected an array of 48 byte values')
  }
  return Uint8Array.from(v as number[])
}

function u64(v: unknown, field: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return BigInt(v)
  throw new L2CacheFormatError(field, `expected a non-negative integer, got ${JSON.stringify(v)}`)
}

function address(v: unknown, field: string): Address {
  const b = parseHex(v, field)
  if (b.length !== 20) throw new L2CacheFormatError(field, 'expected a 20-byte address')
  return new Address(b)
}

export function feeConfigFromJson(j: unknown, field: string): FeeConfig {
  if (typeof j !== 'object' || j === null) throw new L2CacheFormatError(field, 'expected an object')
  const c = j as Partial<FeeConfigJson>
  const out: FeeConfig = {}
  if (c.base_fee_vault != null) out.baseFeeVault = address(c.base_fee_vault, `${field}.base_fee_vault`)
  if (c.operator_fee_config != null) {
    out.operatorFee = {
      vault: address(c.operator_fee_config.operator_fee_vault, `${field}.operator_fee_config.operator_fee_vault`),
      feePerGas: u64(c.operator_fee_config.operator_fee_per_gas, `${field}.operator_fee_config.operator_fee_per_gas`),
    }
  }
  if (c.l1_fee_config != null) {
    out.l1Fee = {
      vault: address(c.l1_fee_config.l1_fee_vault, `${field}.l1_fee_config.l1_fee_vault`),
      feePerBlobGas: u64(c.l1_fee_config.l1_fee_per_blob_gas, `${field}.l1_fee_config.l1_fee_per_blob_gas`),
    }
  }
  return out
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Parse and check an L2 batch cache file into the guest's input. Every block's JSON must match its `rlp`. */
export function l2CacheFileToInput(json: unknown, where = 'cache'): L2ProgramInput {
  const c = json as Partial<L2BatchCacheFile>
  if (!isL2BatchCache(json)) throw new L2CacheFormatError(where, 'not an L2 batch cache (no blob_commitment)')
  const chainConfig = (c.network ?? undefined) as ChainConfig | undefined
  if (typeof chainConfig !== 'object' || chainConfig === null || chainConfig.chainId === undefined) {
    throw new L2CacheFormatError(`${where}: network`, 'expected the L2 chain config (with chainId)')
  }
  const common = commonFromChainConfig(chainConfig, guestCrypto())
  if (!Array.isArray(c.blocks) || c.blocks.length === 0) throw new L2CacheFormatError(`${where}: blocks`, 'expected a non-empty array')
  const blocks = c.blocks.map((b, i) => {
    const field = `${where}: blocks[${i}]`
    const rlp = parseHex(b?.rlp, `${field}.rlp`)
    let value: unknown
    try {
      value = RLP.decode(rlp)
    } catch (e) {
      throw new L2CacheFormatError(`${field}.rlp`, `bad RLP (${(e as Error).message})`)
    }
    const block = decodeL2Block(value, common, field)
    const expected = blockJson(block, rlp)
    if (!sameJson(b.header, expected.header)) throw new L2CacheFormatError(`${field}.header`, `does not match the block's rlp (block ${block.header.number})`)
    if (!sameJson(b.body?.transactions, expected.body.transactions)) {
      throw new L2CacheFormatError(`${field}.body.transactions`, `do not match the block's rlp (block ${block.header.number})`)
    }
    return rlp
  })
  if (!Array.isArray(c.fee_configs)) throw new L2CacheFormatError(`${where}: fee_configs`, 'expected one fee config per block')
  const witness = parseExecutionWitness(c.witness, (h, field) => {
    try {
      return createBlockHeaderFromRPC(h as never, { common, setHardfork: true }).serialize()
    } catch (e) {
      throw new WitnessInvalid(field, `cannot encode JSON header: ${(e as Error).message}`)
    }
  })
  return {
    blocks,
    witness,
    chainConfig,
    elasticityMultiplier: u64(c.elasticity_multiplier ?? 2, `${where}: elasticity_multiplier`),
    feeConfigs: c.fee_configs.map((f, i) => feeConfigFromJson(f, `${where}: fee_configs[${i}]`)),
    blobCommitment: bytes48(c.blob_commitment, `${where}: blob_commitment`),
    blobProof: bytes48(c.blob_proof, `${where}: blob_proof`),
  }
}
