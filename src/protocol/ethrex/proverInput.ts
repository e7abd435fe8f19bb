import { Address } from '@ethereumjs/util'
import type { FeeConfig as GuestFeeConfig } from '../../../guest/l2/feeConfig.js'
import type { L2ProgramInput } from '../../../guest/l2/types.js'
import type { ProgramInput } from '../../../guest/types.js'
import { ProtocolError } from '../errors.js'
import { array, byteArray, bytesToJson, fixedHex, object, toFixedHex, u64 } from '../fields.js'
import type { Json } from '../json.js'
import { blockNumberOfRlp, blockRlpFromEthrex, blockToEthrex, conversionCommon } from './block.js'
import { chainConfigFromEthrex, chainConfigToEthrex } from './chainConfig.js'
import { l2BlockRlpFromEthrex, l2BlockToEthrex } from './l2Block.js'
import { ethrexWitnessJson, parseEthrexWitness, type EthrexWitness, type WrittenWitnessForm } from './witness.js'

/**
 * The two inputs ethrex's coordinators send in `InputResponse.input`:
 *
 * L1 `ProgramInput` (lambdaclass/ethrex@0f54136ef2eb70b280722e0beb76e52190086337
 * crates/guest-program/src/l1/input.rs 14-19): `{blocks: Vec<Block> 16, execution_witness 18}`.
 *
 * L2 `ProverInputData` (lambdaclass/ethrex@13a8668c4e08320b55b353e2be5aeabac6c71a8c
 * crates/l2/common/src/prover.rs 14-23): `blocks: Vec<Block>` 15, `execution_witness` 16,
 * `elasticity_multiplier: u64` 17, `blob_commitment` 19 and `blob_proof` 21 as `[_; 48]` (48 numbers,
 * `#[serde_as(as = "[_; 48]")]` 18/20), `fee_configs: Vec<FeeConfig>` 22, where `FeeConfig`
 * (ethrex@08d483ded2067c6048ed167915447cc051f9ba0c crates/common/types/l2/fee_config.rs 11-37) is
 * `{base_fee_vault: Option<Address>, operator_fee_config: Option<{operator_fee_vault, operator_fee_per_gas}>,
 * l1_fee_config: Option<{l1_fee_vault, l1_fee_per_blob_gas}>}`.
 */

export interface FeeConfig {
  baseFeeVault: Uint8Array | null
  operatorFeeConfig: { operatorFeeVault: Uint8Array; operatorFeePerGas: number } | null
  l1FeeConfig: { l1FeeVault: Uint8Array; l1FeePerBlobGas: number } | null
}

/** ethrex L2 `ProverInputData`, decoded; blocks as RLP like everywhere in Tessera. */
export interface ProverInputData {
  blocks: Uint8Array[]
  witness: EthrexWitness
  elasticityMultiplier: number
  blobCommitment: Uint8Array
  blobProof: Uint8Array
  feeConfigs: FeeConfig[]
}

export type EthrexInputKind = 'l1' | 'l2'

/** Which of the two inputs a JSON value is, checking the fields each must have. */
export function ethrexInputKind(json: Json | undefined, field: string): EthrexInputKind {
  const o = object(json, field)
  array(o.blocks, `${field}.blocks`)
  object(o.execution_witness, `${field}.execution_witness`)
  return 'elasticity_multiplier' in o || 'blob_commitment' in o || 'fee_configs' in o ? 'l2' : 'l1'
}

function optionalAddress(v: Json | undefined, field: string): Uint8Array | null {
  return v === undefined || v === null ? null : fixedHex(v, field, 20)
}

function parseFeeConfig(json: Json, field: string): FeeConfig {
  const f = object(json, field)
  const op = f.operator_fee_config
  const l1 = f.l1_fee_config
  return {
    baseFeeVault: optionalAddress(f.base_fee_vault, `${field}.base_fee_vault`),
    operatorFeeConfig:
      op === undefined || op === null
        ? null
        : {
            operatorFeeVault: fixedHex(object(op, `${field}.operator_fee_config`).operator_fee_vault, `${field}.operator_fee_config.operator_fee_vault`, 20),
            operatorFeePerGas: u64((op as { [k: string]: Json }).operator_fee_per_gas, `${field}.operator_fee_config.operator_fee_per_gas`),
          },
    l1FeeConfig:
      l1 === undefined || l1 === null
        ? null
        : {
            l1FeeVault: fixedHex(object(l1, `${field}.l1_fee_config`).l1_fee_vault, `${field}.l1_fee_config.l1_fee_vault`, 20),
            l1FeePerBlobGas: u64((l1 as { [k: string]: Json }).l1_fee_per_blob_gas, `${field}.l1_fee_config.l1_fee_per_blob_gas`),
          },
  }
}

export function feeConfigJson(f: FeeConfig): Json {
  return {
    base_fee_vault: f.baseFeeVault === null ? null : toFixedHex(f.baseFeeVault),
    operator_fee_config:
      f.operatorFeeConfig === null ? null : { operator_fee_vault: toFixedHex(f.operatorFeeConfig.operatorFeeVault), operator_fee_per_gas: f.operatorFeeConfig.operatorFeePerGas },
    l1_fee_config: f.l1FeeConfig === null ? null : { l1_fee_vault: toFixedHex(f.l1FeeConfig.l1FeeVault), l1_fee_per_blob_gas: f.l1FeeConfig.l1FeePerBlobGas },
  }
}

/** Blocks and witness common to both inputs -> Tessera's ProgramInput (what the L1 guest runs). */
function blocksAndWitness(o: { [key: string]: Json }, field: string): { program: ProgramInput; witness: EthrexWitness } {
  const witness = parseEthrexWitness(o.execution_witness, `${field}.execution_witness`)
  const chainConfig = chainConfigFromEthrex(witness.chainConfig, `${field}.execution_witness.${witnessName(witness, 'chainConfig')}`)
  const common = conversionCommon(chainConfig)
  const blocks = array(o.blocks, `${field}.blocks`).map((b, i) => blockRlpFromEthrex(b, common, `${field}.blocks[${i}]`))
  checkFirstBlock(blocks, witness, field)
  return { program: { blocks, witness: witness.witness, chainConfig }, witness }
}

/** A witness field's name as its form spells it (the flat form is camelCase, the nested ones snake_case). */
function witnessName(witness: EthrexWitness, camel: 'chainConfig' | 'firstBlockNumber'): string {
  if (witness.form === 'flat') return camel
  return camel === 'chainConfig' ? 'chain_config' : 'first_block_number'
}

function checkFirstBlock(blocks: Uint8Array[], witness: EthrexWitness, field: string): void {
  if (blocks.length === 0) throw new ProtocolError('malformed', 'expected at least one block', `${field}.blocks`)
  const first = blockNumberOfRlp(blocks[0], `${field}.blocks[0]`)
  if (first !== witness.firstBlockNumber) {
    throw new ProtocolError('malformed', `is ${witness.firstBlockNumber}, but the first block is number ${first}`, `${field}.execution_witness.${witnessName(witness, 'firstBlockNumber')}`)
  }
}

/** ethrex L1 ProgramInput JSON -> the ProgramInput Tessera's guest runs. */
export function programInputFromEthrexL1(json: Json | undefined, field: string): ProgramInput {
  return blocksAndWitness(object(json, field), field).program
}

/**
 * ethrex L2 ProverInputData JSON, decoded. Its blocks are L2 blocks (privileged 0x7e transactions, no
 * withdrawals list), converted by ./l2Block.ts to the RLP the L2 guest runs.
 */
export function proverInputDataFromEthrex(json: Json | undefined, field: string): ProverInputData {
  const o = object(json, field)
  const witness = parseEthrexWitness(o.execution_witness, `${field}.execution_witness`)
  const chainConfig = chainConfigFromEthrex(witness.chainConfig, `${field}.execution_witness.${witnessName(witness, 'chainConfig')}`)
  const common = conversionCommon(chainConfig)
  const blocks = array(o.blocks, `${field}.blocks`).map((b, i) => l2BlockRlpFromEthrex(b, common, `${field}.blocks[${i}]`))
  checkFirstBlock(blocks, witness, field)
  return {
    blocks,
    witness,
    elasticityMultiplier: u64(o.elasticity_multiplier, `${field}.elasticity_multiplier`),
    blobCommitment: byteArray(o.blob_commitment, `${field}.blob_commitment`, 48),
    blobProof: byteArray(o.blob_proof, `${field}.blob_proof`, 48),
    feeConfigs: array(o.fee_configs, `${field}.fee_configs`).map((f, i) => parseFeeConfig(f, `${field}.fee_configs[${i}]`)),
  }
}

/** Tessera's ProgramInput as ethrex's L1 ProgramInput JSON. */
export function ethrexL1Json(program: ProgramInput, form: WrittenWitnessForm = 'nested'): Json {
  const common = conversionCommon(program.chainConfig)
  return {
    blocks: program.blocks.map((b, i) => blockToEthrex(b, common, `blocks[${i}]`)),
    execution_witness: ethrexWitnessJson(program.witness, blockNumberOfRlp(program.blocks[0], 'blocks[0]'), chainConfigToEthrex(program.chainConfig, form === 'nested'), form),
  }
}

/** An L2 batch as ethrex's ProverInputData JSON (what an ethrex L2 prover consumes). */
export function proverInputDataJson(program: ProgramInput, l2: Omit<ProverInputData, 'blocks' | 'witness'>, form: WrittenWitnessForm = 'nested'): Json {
  const common = conversionCommon(program.chainConfig)
  return {
    blocks: program.blocks.map((b, i) => l2BlockToEthrex(b, common, `blocks[${i}]`)),
    execution_witness: ethrexWitnessJson(program.witness, blockNumberOfRlp(program.blocks[0], 'blocks[0]'), chainConfigToEthrex(program.chainConfig, form === 'nested'), form),
    elasticity_multiplier: l2.elasticityMultiplier,
    blob_commitment: bytesToJson(l2.blobCommitment),
    blob_proof: bytesToJson(l2.blobProof),
    fee_configs: l2.feeConfigs.map(feeConfigJson),
  }
}

/** ethrex FeeConfig -> the L2 guest's (guest/l2/feeConfig.ts): same three optional parts, vaults as Address. */
export function guestFeeConfig(f: FeeConfig): GuestFeeConfig {
  const out: GuestFeeConfig = {}
  if (f.baseFeeVault !== null) out.baseFeeVault = new Address(f.baseFeeVault)
  if (f.operatorFeeConfig !== null) out.operatorFee = { vault: new Address(f.operatorFeeConfig.operatorFeeVault), feePerGas: BigInt(f.operatorFeeConfig.operatorFeePerGas) }
  if (f.l1FeeConfig !== null) out.l1Fee = { vault: new Address(f.l1FeeConfig.l1FeeVault), feePerBlobGas: BigInt(f.l1FeeConfig.l1FeePerBlobGas) }
  return out
}

function safeU64(v: bigint, field: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('malformed', 'integer too large for Tessera (above 2^53)', field)
  return Number(v)
}

/** The L2 guest's fee config as ethrex's FeeConfig. */
export function ethrexFeeConfig(f: GuestFeeConfig, field: string): FeeConfig {
  return {
    baseFeeVault: f.baseFeeVault?.bytes ?? null,
    operatorFeeConfig: f.operatorFee ? { operatorFeeVault: f.operatorFee.vault.bytes, operatorFeePerGas: safeU64(f.operatorFee.feePerGas, `${field}.operator_fee_per_gas`) } : null,
    l1FeeConfig: f.l1Fee ? { l1FeeVault: f.l1Fee.vault.bytes, l1FeePerBlobGas: safeU64(f.l1Fee.feePerBlobGas, `${field}.l1_fee_per_blob_gas`) } : null,
  }
}

/** ethrex L2 ProverInputData JSON -> the L2ProgramInput the L2 guest runs (chain config from the witness). */
export function l2ProgramInputFromEthrex(json: Json | undefined, field: string): L2ProgramInput {
  const data = proverInputDataFromEthrex(json, field)
  if (data.feeConfigs.length !== data.blocks.length) {
    throw new ProtocolError('malformed', `has ${data.feeConfigs.length} entries for ${data.blocks.length} blocks (ethrex sends one per block)`, `${field}.fee_configs`)
  }
  return {
    blocks: data.blocks,
    witness: data.witness.witness,
    chainConfig: chainConfigFromEthrex(data.witness.chainConfig, `${field}.execution_witness.${witnessName(data.witness, 'chainConfig')}`),
    elasticityMultiplier: BigInt(data.elasticityMultiplier),
    feeConfigs: data.feeConfigs.map(guestFeeConfig),
    blobCommitment: data.blobCommitment,
    blobProof: data.blobProof,
  }
}

/** An L2ProgramInput as ethrex's ProverInputData JSON (what Tessera's coordinator serves an ethrex L2 prover). */
export function ethrexL2Json(input: L2ProgramInput, form: WrittenWitnessForm = 'nested'): Json {
  const common = conversionCommon(input.chainConfig)
  return {
    blocks: input.blocks.map((b, i) => l2BlockToEthrex(b, common, `blocks[${i}]`)),
    execution_witness: ethrexWitnessJson(input.witness, blockNumberOfRlp(input.blocks[0], 'blocks[0]'), chainConfigToEthrex(input.chainConfig, form === 'nested'), form),
    elasticity_multiplier: safeU64(input.elasticityMultiplier, 'elasticity_multiplier'),
    blob_commitment: bytesToJson(input.blobCommitment),
    blob_proof: bytesToJson(input.blobProof),
    fee_configs: input.feeConfigs.map((f, i) => feeConfigJson(ethrexFeeConfig(f, `fee_configs[${i}]`))),
  }
}
