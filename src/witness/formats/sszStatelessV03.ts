import { BooleanType, ByteListType, ByteVectorType, ContainerType, ListCompositeType, UintBigintType } from '@chainsafe/ssz'
import { InputFormatError } from './errors.js'
import { PAYLOAD_HEAD_FIELDS, SszWithdrawal } from './ssz.js'

/**
 * EIP-8025 stateless input/output as the execution-specs `tests-zkevm@v0.3.x` fixtures carry them
 * (`statelessInputBytes` / `statelessOutputBytes`): plain SSZ, no schema-id prefix, the chain config a fixed
 * `{chain_id: uint64}` inside the input, and a 41-byte output `{new_payload_request_root, successful_validation,
 * chain_config}`. The later layouts (schema id 0x1501, progressive lists) are in ./ssz.ts.
 *
 * Containers and limits: ethereum/execution-specs src/ethereum/forks/amsterdam/stateless_ssz.py of that period
 * (MAX_TRANSACTIONS_PER_PAYLOAD 2^20, MAX_BYTES_PER_TRANSACTION 2^30, MAX_WITHDRAWALS_PER_PAYLOAD 2^16,
 * MAX_BLOB_COMMITMENTS_PER_BLOCK 4096, MAX_BLOCK_ACCESS_LIST_BYTES 2^24, witness nodes 2^20 × 2^20 B, codes
 * 2^16 × 2^24 B, headers 256 × 2^10 B, public keys 2^20 × ByteList[65]), with `slot_number` after
 * `block_access_list` and `execution_requests` as the engine API's list of typed request byte strings,
 * List[ByteList[2^20], 16]. The hash tree root of this NewPayloadRequest reproduces every
 * `new_payload_request_root` of the fixtures (all of which carry no requests: the per-request byte limit 2^20 is
 * the one other readers of this version use and is not pinned down by a fixture).
 */
const uint64 = new UintBigintType(8)
const bytes32 = new ByteVectorType(32)

export const ExecutionPayloadV03 = new ContainerType({
  ...PAYLOAD_HEAD_FIELDS,
  transactions: new ListCompositeType(new ByteListType(2 ** 30), 2 ** 20),
  withdrawals: new ListCompositeType(SszWithdrawal, 2 ** 16),
  blobGasUsed: uint64,
  excessBlobGas: uint64,
  blockAccessList: new ByteListType(2 ** 24),
  slotNumber: uint64,
})

export const NewPayloadRequestV03 = new ContainerType({
  executionPayload: ExecutionPayloadV03,
  versionedHashes: new ListCompositeType(bytes32, 4096),
  parentBeaconBlockRoot: bytes32,
  executionRequests: new ListCompositeType(new ByteListType(2 ** 20), 16),
})

const ChainConfigV03 = new ContainerType({ chainId: uint64 })

export const StatelessInputV03 = new ContainerType({
  newPayloadRequest: NewPayloadRequestV03,
  witness: new ContainerType({
    state: new ListCompositeType(new ByteListType(2 ** 20), 2 ** 20),
    codes: new ListCompositeType(new ByteListType(2 ** 24), 2 ** 16),
    headers: new ListCompositeType(new ByteListType(2 ** 10), 256),
  }),
  chainConfig: ChainConfigV03,
  publicKeys: new ListCompositeType(new ByteListType(65), 2 ** 20),
})

export const StatelessValidationResultV03 = new ContainerType({
  newPayloadRequestRoot: bytes32,
  successfulValidation: new BooleanType(),
  chainConfig: ChainConfigV03,
})

export type StatelessInputV03Value = ReturnType<typeof StatelessInputV03.deserialize>
export type NewPayloadRequestV03Value = StatelessInputV03Value['newPayloadRequest']

/** Decode `statelessInputBytes`; only the canonical encoding is accepted. */
export function decodeStatelessInputV03(bytes: Uint8Array, where: string): StatelessInputV03Value {
  let value: StatelessInputV03Value
  try {
    value = StatelessInputV03.deserialize(bytes)
  } catch (e) {
    throw new InputFormatError(where, 'StatelessInput (tests-zkevm v0.3 layout)', `not a valid SSZ encoding: ${(e as Error).message}`)
  }
  if (Buffer.compare(Buffer.from(StatelessInputV03.serialize(value)), Buffer.from(bytes)) !== 0) {
    throw new InputFormatError(where, 'StatelessInput (tests-zkevm v0.3 layout)', 'not the canonical SSZ encoding')
  }
  return value
}

export function encodeStatelessInputV03(value: StatelessInputV03Value): Uint8Array {
  return StatelessInputV03.serialize(value)
}

/** The 41 result bytes: hash_tree_root(new_payload_request) ‖ successful_validation ‖ chain id (u64 LE). */
export function encodeStatelessOutputV03(request: NewPayloadRequestV03Value, valid: boolean, chainId: bigint): Uint8Array {
  return StatelessValidationResultV03.serialize({ newPayloadRequestRoot: NewPayloadRequestV03.hashTreeRoot(request), successfulValidation: valid, chainConfig: { chainId } })
}
