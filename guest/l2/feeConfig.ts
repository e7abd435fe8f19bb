import { Address, bytesToBigInt, concatBytes, setLengthLeft, bigIntToUnpaddedBytes } from '@ethereumjs/util'
import { BlockInvalid } from '../errors.js'

/**
 * One block's L2 fee settings, as ethrex's FeeConfig (crates/common/types/l2/fee_config.rs @ 6fbd93b5):
 * - baseFeeVault: receives gas * base fee instead of burning it (absent = burned);
 * - operatorFee: an extra per-gas fee on top of the base fee, paid to the operator vault and taken out of
 *   the priority fee;
 * - l1Fee: charges gas for the L1 blob space a transaction takes, paid to the L1 fee vault.
 */
export interface FeeConfig {
  baseFeeVault?: Address
  operatorFee?: { vault: Address; feePerGas: bigint }
  l1Fee?: { vault: Address; feePerBlobGas: bigint }
}

/** Only version 0 exists at the pinned commit. */
export const FEE_CONFIG_VERSION = 0
const BASE_FEE_VAULT = 1
const OPERATOR_FEE = 2
const L1_FEE = 4

export class FeeConfigInvalid extends BlockInvalid {}

function u64(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 64n) throw new RangeError(`${value} does not fit in u64`)
  return setLengthLeft(bigIntToUnpaddedBytes(value), 8)
}

/** ethrex `FeeConfig::to_vec`: version u8 ‖ type bitmask u8 ‖ [base vault 20] ‖ [op vault 20 ‖ u64] ‖ [l1 vault 20 ‖ u64]. */
export function encodeFeeConfig(config: FeeConfig): Uint8Array {
  let type = 0
  const parts: Uint8Array[] = []
  if (config.baseFeeVault) {
    type |= BASE_FEE_VAULT
    parts.push(config.baseFeeVault.bytes)
  }
  if (config.operatorFee) {
    type |= OPERATOR_FEE
    parts.push(config.operatorFee.vault.bytes, u64(config.operatorFee.feePerGas))
  }
  if (config.l1Fee) {
    type |= L1_FEE
    parts.push(config.l1Fee.vault.bytes, u64(config.l1Fee.feePerBlobGas))
  }
  return concatBytes(Uint8Array.of(FEE_CONFIG_VERSION, type), ...parts)
}

/**
 * ethrex `FeeConfig::decode`: returns the config and the bytes consumed. Unknown version is an error;
 * unknown type bits are an error here (ethrex ignores bits it does not know, which would let a corrupted
 * byte pass silently — Tessera refuses it).
 */
export function decodeFeeConfig(bytes: Uint8Array, where = 'fee config'): { config: FeeConfig; consumed: number } {
  let offset = 0
  const take = (n: number, field: string): Uint8Array => {
    if (offset + n > bytes.length) throw new FeeConfigInvalid(undefined, `${where}: ${field}`, { reason: 'truncated' })
    const out = bytes.subarray(offset, offset + n)
    offset += n
    return out
  }
  const version = take(1, 'version')[0]
  if (version !== FEE_CONFIG_VERSION) {
    throw new FeeConfigInvalid(undefined, `${where}: version`, { reason: `unsupported fee config version ${version} (known: ${FEE_CONFIG_VERSION})` })
  }
  const type = take(1, 'type')[0]
  if ((type & ~(BASE_FEE_VAULT | OPERATOR_FEE | L1_FEE)) !== 0) {
    throw new FeeConfigInvalid(undefined, `${where}: type`, { reason: `unknown fee config type bits 0x${type.toString(16)}` })
  }
  const config: FeeConfig = {}
  if (type & BASE_FEE_VAULT) config.baseFeeVault = new Address(take(20, 'base_fee_vault').slice())
  if (type & OPERATOR_FEE) {
    const vault = new Address(take(20, 'operator_fee_vault').slice())
    config.operatorFee = { vault, feePerGas: bytesToBigInt(take(8, 'operator_fee_per_gas')) }
  }
  if (type & L1_FEE) {
    const vault = new Address(take(20, 'l1_fee_vault').slice())
    config.l1Fee = { vault, feePerBlobGas: bytesToBigInt(take(8, 'l1_fee_per_blob_gas')) }
  }
  return { config, consumed: offset }
}

/** serde_json shape of ethrex's FeeConfig (snake_case, null for absent parts), used in batch cache files. */
export interface FeeConfigJson {
  base_fee_vault: string | null
  operator_fee_config: { operator_fee_vault: string; operator_fee_per_gas: number | string } | null
  l1_fee_config: { l1_fee_vault: string; l1_fee_per_blob_gas: number | string } | null
}

export function feeConfigToJson(c: FeeConfig): FeeConfigJson {
  const num = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString())
  return {
    base_fee_vault: c.baseFeeVault ? c.baseFeeVault.toString() : null,
    operator_fee_config: c.operatorFee ? { operator_fee_vault: c.operatorFee.vault.toString(), operator_fee_per_gas: num(c.operatorFee.feePerGas) } : null,
    l1_fee_config: c.l1Fee ? { l1_fee_vault: c.l1Fee.vault.toString(), l1_fee_per_blob_gas: num(c.l1Fee.feePerBlobGas) } : null,
  }
}

export function describeFeeConfig(c: FeeConfig): string {
  const parts = [c.baseFeeVault ? `base fee -> ${c.baseFeeVault}` : 'base fee burned']
  if (c.operatorFee) parts.push(`operator fee ${c.operatorFee.feePerGas}/gas -> ${c.operatorFee.vault}`)
  if (c.l1Fee) parts.push(`L1 fee ${c.l1Fee.feePerBlobGas}/blob gas -> ${c.l1Fee.vault}`)
  return parts.join(', ')
}

