import {
  BooleanType,
  ByteListType,
  ByteVectorType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  ProgressiveByteListType,
  ProgressiveContainerType,
  ProgressiveListCompositeType,
  UintBigintType,
  UintNumberType,
} from '@chainsafe/ssz'
import { firstOffset, isSszStatelessInput, STATELESS_INPUT_SCHEMA_ID } from './sszSniff.js'

export { isSszStatelessInput, STATELESS_INPUT_SCHEMA_ID }
import { toHex } from '../hex.js'
import { InputFormatError } from './errors.js'
import type { LoadedInput, ReadPart } from './types.js'

/**
 * EIP-8025 stateless guest input/output (zkEVM), as ethereum/execution-specs defines them in
 * src/ethereum/forks/amsterdam/stateless_ssz.py. Input bytes = schema id (2 bytes BE: fork index 0x15 Amsterdam ‖
 * revision 0x01) ‖ SSZ(StatelessInput). Two layouts share that schema id; the container's first offset tells
 * them apart (20: chain id inline; 16: chain config container):
 *  - `chain-id` (execution-specs@3f042e0b, what EEST fixtures carry now): `SSZStatelessInput{new_payload_request,
 *    witness{state, codes: ProgressiveList, headers}, chain_id: uint64, public_keys: ProgressiveList}`, output
 *    `SSZStatelessValidationResult{new_payload_request_root, successful_validation, chain_id, schema_id: uint16}`
 *    (43 bytes). Tessera writes this one.
 *  - `chain-config` (execution-specs@19f7bdea): `chain_config{chain_id, active_fork{activation}}`, bounded lists,
 *    output `{new_payload_request_root, successful_validation, chain_config}`.
 * The execution payload and requests are ProgressiveContainers (EIP-7916 progressive lists), which
 * @chainsafe/ssz 1.9 implements, so hash_tree_root (the output's new_payload_request_root) is the spec's.
 *
 * This schema is Amsterdam's. Tessera's guest does not execute Amsterdam (block access lists): an input with
 * a non-empty block_access_list is refused; pre-Amsterdam blocks carried in this layout (as the fixtures
 * Tessera writes for tests do, with an empty access list and slot 0) run normally.
 */
const uint64 = new UintBigintType(8)
const bytes32 = new ByteVectorType(32)
const MAX_WITNESS_NODES = 2 ** 22
const MAX_WITNESS_CODES = 2 ** 18
const MAX_WITNESS_HEADERS = 256


export const SszWithdrawal = new ContainerType({ index: uint64, validatorIndex: uint64, address: new ByteVectorType(20), amount: uint64 })

/** The execution payload's fields before `transactions`: the same in every stateless layout (./sszStatelessV03.ts too). */
export const PAYLOAD_HEAD_FIELDS = {
  parentHash: bytes32,
  feeRecipient: new ByteVectorType(20),
  stateRoot: bytes32,
  receiptsRoot: bytes32,
  logsBloom: new ByteVectorType(256),
  prevRandao: bytes32,
  blockNumber: uint64,
  gasLimit: uint64,
  gasUsed: uint64,
  timestamp: uint64,
  extraData: new ByteListType(32),
  baseFeePerGas: new UintBigintType(32),
  blockHash: bytes32,
}

const SszExecutionPayload = new ProgressiveContainerType(
  {
    ...PAYLOAD_HEAD_FIELDS,
    transactions: new ProgressiveListCompositeType(new ProgressiveByteListType()),
    withdrawals: new ProgressiveListCompositeType(SszWithdrawal),
    blobGasUsed: uint64,
    excessBlobGas: uint64,
    blockAccessList: new ProgressiveByteListType(),
    slotNumber: uint64,
  },
  Array(19).fill(true),
)

const pubkey48 = new ByteVectorType(48)
const SszExecutionRequests = new ProgressiveContainerType(
  {
    deposits: new ProgressiveListCompositeType(new ContainerType({ pubkey: pubkey48, withdrawalCredentials: bytes32, amount: uint64, signature: new ByteVectorType(96), index: uint64 })),
    withdrawals: new ProgressiveListCompositeType(new ContainerType({ sourceAddress: new ByteVectorType(20), validatorPubkey: pubkey48, amount: uint64 })),
    consolidations: new ProgressiveListCompositeType(new ContainerType({ sourceAddress: new ByteVectorType(20), sourcePubkey: pubkey48, targetPubkey: pubkey48 })),
    builderDeposits: new ProgressiveListCompositeType(new ContainerType({ pubkey: pubkey48, withdrawalCredentials: bytes32, amount: uint64, signature: new ByteVectorType(96) })),
    builderExits: new ProgressiveListCompositeType(new ContainerType({ sourceAddress: new ByteVectorType(20), pubkey: pubkey48 })),
  },
  Array(5).fill(true),
)

export const SszNewPayloadRequest = new ContainerType({
  executionPayload: SszExecutionPayload,
  versionedHashes: new ProgressiveListCompositeType(bytes32),
  parentBeaconBlockRoot: bytes32,
  executionRequests: SszExecutionRequests,
})

const SszExecutionWitness = new ContainerType({
  state: new ListCompositeType(new ByteListType(2 ** 10), MAX_WITNESS_NODES),
  codes: new ListCompositeType(new ByteListType(2 ** 16), MAX_WITNESS_CODES),
  headers: new ListCompositeType(new ByteListType(2 ** 10), MAX_WITNESS_HEADERS),
})

const optionalU64 = new ListBasicType(new UintNumberType(8), 1)
export const SszChainConfig = new ContainerType({
  chainId: uint64,
  activeFork: new ContainerType({ activation: new ContainerType({ blockNumber: optionalU64, timestamp: optionalU64 }) }),
})

export const SszStatelessInput = new ContainerType({
  newPayloadRequest: SszNewPayloadRequest,
  witness: SszExecutionWitness,
  chainConfig: SszChainConfig,
  publicKeys: new ListCompositeType(new ByteVectorType(65), 2 ** 15),
})

export const SszStatelessValidationResult = new ContainerType({
  newPayloadRequestRoot: bytes32,
  successfulValidation: new BooleanType(),
  chainConfig: SszChainConfig,
})

/** The current layout (execution-specs@3f042e0b): chain id inline, progressive witness lists. */
export const SszStatelessInputV2 = new ContainerType({
  newPayloadRequest: SszNewPayloadRequest,
  witness: new ContainerType({
    state: new ProgressiveListCompositeType(new ByteListType(2 ** 10)),
    codes: new ProgressiveListCompositeType(new ByteListType(2 ** 16)),
    headers: new ListCompositeType(new ByteListType(2 ** 10), MAX_WITNESS_HEADERS),
  }),
  chainId: uint64,
  publicKeys: new ProgressiveListCompositeType(new ByteVectorType(65)),
})

export const SszStatelessValidationResultV2 = new ContainerType({
  newPayloadRequestRoot: bytes32,
  successfulValidation: new BooleanType(),
  chainId: uint64,
  schemaId: new UintNumberType(2),
})

type NewPayloadRequestValue = ReturnType<typeof SszNewPayloadRequest.deserialize>
type ChainConfigValue = ReturnType<typeof SszChainConfig.deserialize>

/** A decoded stateless input of either layout. */
export interface StatelessInputValue {
  layout: 'chain-id' | 'chain-config'
  newPayloadRequest: NewPayloadRequestValue
  witness: { state: Uint8Array[]; codes: Uint8Array[]; headers: Uint8Array[] }
  chainId: bigint
  /** Layout `chain-config` only. */
  chainConfig?: ChainConfigValue
  publicKeys: Uint8Array[]
}


export function decodeStatelessInput(bytes: Uint8Array, where: string): StatelessInputValue {
  if (bytes.length < 2 || bytes[0] !== STATELESS_INPUT_SCHEMA_ID[0] || bytes[1] !== STATELESS_INPUT_SCHEMA_ID[1]) {
    throw new InputFormatError(where, 'schema id', `expected 0x1501 (Amsterdam, revision 1), got ${toHex(bytes.subarray(0, 2))}`)
  }
  const body = bytes.subarray(2)
  const type = firstOffset(bytes) === 16 ? SszStatelessInput : SszStatelessInputV2
  let decoded
  try {
    decoded = type.deserialize(body)
  } catch (e) {
    throw new InputFormatError(where, 'SSZStatelessInput', `not a valid SSZ encoding: ${(e as Error).message}`)
  }
  // Canonical encodings only (SSZ is bijective; a re-encoding that differs means padding or garbage).
  const again = (type as typeof SszStatelessInputV2).serialize(decoded as never)
  if (Buffer.compare(Buffer.from(again), Buffer.from(body)) !== 0) throw new InputFormatError(where, 'SSZStatelessInput', 'not the canonical SSZ encoding')
  if ('chainConfig' in decoded) {
    return { layout: 'chain-config', newPayloadRequest: decoded.newPayloadRequest, witness: decoded.witness, chainId: decoded.chainConfig.chainId, chainConfig: decoded.chainConfig, publicKeys: decoded.publicKeys }
  }
  return { layout: 'chain-id', newPayloadRequest: decoded.newPayloadRequest, witness: decoded.witness, chainId: decoded.chainId, publicKeys: decoded.publicKeys }
}

/** Input bytes in the current (`chain-id`) layout. */
export function encodeStatelessInput(v: Omit<StatelessInputValue, 'layout' | 'chainConfig'>): Uint8Array {
  const body = SszStatelessInputV2.serialize({ newPayloadRequest: v.newPayloadRequest, witness: v.witness, chainId: v.chainId, publicKeys: v.publicKeys })
  return Uint8Array.from([...STATELESS_INPUT_SCHEMA_ID, ...body])
}

/** EIP-7685 requests as the engine API lists them: type byte ‖ SSZ-free concatenation of each request. */
export function requestsList(r: StatelessInputValue['newPayloadRequest']['executionRequests']): Uint8Array[] {
  const cat = (type: number, items: Uint8Array[]) => (items.length === 0 ? [] : [Uint8Array.from([type, ...Buffer.concat(items)])])
  const u64le = (v: bigint) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(v)
    return b
  }
  return [
    ...cat(0, r.deposits.map((d) => Buffer.concat([d.pubkey, d.withdrawalCredentials, u64le(d.amount), d.signature, u64le(d.index)]))),
    ...cat(1, r.withdrawals.map((w) => Buffer.concat([w.sourceAddress, w.validatorPubkey, u64le(w.amount)]))),
    ...cat(2, r.consolidations.map((c) => Buffer.concat([c.sourceAddress, c.sourcePubkey, c.targetPubkey]))),
  ]
}

/** The result bytes a stateless guest returns for this input (in the input's layout). */
export function statelessOutputBytes(input: StatelessInputValue, valid: boolean): Uint8Array {
  const newPayloadRequestRoot = SszNewPayloadRequest.hashTreeRoot(input.newPayloadRequest)
  if (input.layout === 'chain-config') {
    return SszStatelessValidationResult.serialize({ newPayloadRequestRoot, successfulValidation: valid, chainConfig: input.chainConfig! })
  }
  const schemaId = (STATELESS_INPUT_SCHEMA_ID[0] << 8) | STATELESS_INPUT_SCHEMA_ID[1]
  return SszStatelessValidationResultV2.serialize({ newPayloadRequestRoot, successfulValidation: valid, chainId: input.chainId, schemaId })
}

/** The decoded input as a Tessera LoadedInput (the block stays an execution payload until the chain is known). */
export function loadedFromStatelessInput(value: StatelessInputValue, file: string): Omit<LoadedInput, 'chain'> & { chainId: number } {
  const p = value.newPayloadRequest.executionPayload
  if (p.blockAccessList.length > 0) {
    throw new InputFormatError(file, 'execution_payload.block_access_list', 'non-empty: an Amsterdam (EIP-7928) block, which Tessera\'s guest does not execute')
  }
  const r = value.newPayloadRequest
  return {
    shape: 'ssz-stateless-input',
    files: [file],
    blocks: [
      {
        payload: {
          parentHash: toHex(p.parentHash),
          feeRecipient: toHex(p.feeRecipient),
          stateRoot: toHex(p.stateRoot),
          receiptsRoot: toHex(p.receiptsRoot),
          logsBloom: toHex(p.logsBloom),
          prevRandao: toHex(p.prevRandao),
          blockNumber: `0x${p.blockNumber.toString(16)}`,
          gasLimit: `0x${p.gasLimit.toString(16)}`,
          gasUsed: `0x${p.gasUsed.toString(16)}`,
          timestamp: `0x${p.timestamp.toString(16)}`,
          extraData: toHex(p.extraData),
          baseFeePerGas: `0x${p.baseFeePerGas.toString(16)}`,
          blockHash: toHex(p.blockHash),
          transactions: p.transactions.map((t) => toHex(t)),
          withdrawals: p.withdrawals.map((w) => ({ index: `0x${w.index.toString(16)}`, validatorIndex: `0x${w.validatorIndex.toString(16)}`, address: toHex(w.address), amount: `0x${w.amount.toString(16)}` })),
          blobGasUsed: `0x${p.blobGasUsed.toString(16)}`,
          excessBlobGas: `0x${p.excessBlobGas.toString(16)}`,
          parentBeaconBlockRoot: toHex(r.parentBeaconBlockRoot),
        },
        requests: requestsList(r.executionRequests),
        versionedHashes: r.versionedHashes.map((h) => toHex(h)),
        where: `${file}: new_payload_request`,
      },
    ],
    state: value.witness.state,
    codes: value.witness.codes,
    keys: [],
    headers: value.witness.headers,
    chainId: Number(value.chainId),
    notes: ['SSZ stateless input: public_keys are not used (Tessera recovers senders from signatures)'],
  }
}

export function readSszStatelessInput(bytes: Uint8Array, file: string): ReadPart {
  const value = decodeStatelessInput(bytes, file)
  const { chainId, ...loaded } = loadedFromStatelessInput(value, file)
  return {
    kind: 'input',
    inputs: [{ ...loaded, chain: { kind: 'chain-id', chainId, where: `${file}: chain_config.chain_id` }, expected: { statelessInputBytes: bytes } }],
  }
}
