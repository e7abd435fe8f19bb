import { createBlock, createBlockFromRLP, type Block, type BlockHeader } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import { commonFromChainConfig } from '../../../guest/chain.js'
import { guestCrypto } from '../../../guest/crypto.js'
import type { ExecutionWitness } from '../../../guest/types.js'
import { chainConfigForNetwork } from '../../conformance/networks.js'
import { executionWitnessToJson } from '../codec.js'
import { buildStateFromAlloc, type Alloc } from '../genesis.js'
import { parseHex, toHex } from '../hex.js'
import { recordWitness } from '../record.js'
import type { Json } from './json.js'
import { encodeStatelessInput, statelessOutputBytes, type StatelessInputValue } from './ssz.js'

/** A block as the Engine API's execution payload, field by field in the SSZ containers' order. */
export function executionPayloadOf(block: Block, blockAccessList: Uint8Array, slotNumber: bigint) {
  const h = block.header
  return {
    parentHash: h.parentHash,
    feeRecipient: h.coinbase.bytes,
    stateRoot: h.stateRoot,
    receiptsRoot: h.receiptTrie,
    logsBloom: h.logsBloom,
    prevRandao: h.mixHash,
    blockNumber: h.number,
    gasLimit: h.gasLimit,
    gasUsed: h.gasUsed,
    timestamp: h.timestamp,
    extraData: h.extraData,
    baseFeePerGas: h.baseFeePerGas ?? 0n,
    blockHash: block.hash(),
    transactions: block.transactions.map((t) => t.serialize()),
    withdrawals: (block.withdrawals ?? []).map((w) => ({ index: w.index, validatorIndex: w.validatorIndex, address: w.address.bytes, amount: w.amount })),
    blobGasUsed: h.blobGasUsed ?? 0n,
    excessBlobGas: h.excessBlobGas ?? 0n,
    blockAccessList,
    slotNumber,
  }
}

/**
 * Writes EEST-style BlockchainTests whose blocks carry their own witnesses, with Tessera's recorder: each
 * canonical block gets `executionWitness` (list form) and, when `ssz` is set, the EIP-8025 SSZ
 * `statelessInputBytes` and the `statelessOutputBytes` a correct stateless guest must return. Used to make
 * test fixtures; the witnesses are what the guest reads, recorded over the test's full pre-state.
 */
export function statelessInputOf(block: Block, witness: ExecutionWitness, chainId: bigint): StatelessInputValue {
  // Written in the current layout (execution-specs@3f042e0b: chain id inline).
  const h = block.header
  return {
    layout: 'chain-id',
    newPayloadRequest: {
      executionPayload: executionPayloadOf(block, new Uint8Array(), 0n),
      versionedHashes: block.transactions.flatMap((t) => (t as { blobVersionedHashes?: Uint8Array[] }).blobVersionedHashes ?? []),
      parentBeaconBlockRoot: h.parentBeaconBlockRoot ?? new Uint8Array(32),
      executionRequests: { deposits: [], withdrawals: [], consolidations: [], builderDeposits: [], builderExits: [] },
    },
    witness: { state: witness.state, codes: witness.codes, headers: witness.headers },
    chainId,
    publicKeys: block.transactions.map((t) => Uint8Array.from([0x04, ...t.getSenderPublicKey()])),
  }
}


interface EfTest {
  network: string
  genesisRLP: string
  pre: Alloc
  blocks: { rlp: string; expectException?: string }[]
  [k: string]: unknown
}

/**
 * Embed recorded witnesses into an EF BlockchainTests case (linear canonical chain, valid blocks only).
 * `tamper` adds, after the last block, a copy of it with a wrong state root marked `expectException`, its
 * witness the valid one's: a stateless guest must answer `successful_validation = false`.
 */
export async function embedWitnesses(test: EfTest, opts: { ssz: boolean; tamper?: boolean }): Promise<Json> {
  const chainConfig = chainConfigForNetwork(test.network)
  const common = commonFromChainConfig(chainConfig, guestCrypto())
  const genesis = createBlockFromRLP(parseHex(test.genesisRLP, 'genesisRLP'), { common, setHardfork: true })
  const { nodes } = await buildStateFromAlloc(test.pre, common.copy())
  const all = new Map(nodes)
  const ancestors: BlockHeader[] = [genesis.header]
  const blocks: Json[] = []
  let last: { block: Block; witness: ExecutionWitness } | undefined
  for (const [i, b] of test.blocks.entries()) {
    if (b.expectException !== undefined) continue
    const block = createBlockFromRLP(parseHex(b.rlp, `blocks[${i}].rlp`), { common, setHardfork: true })
    const recorded = await recordWitness({ common, blocks: [block], ancestors, preState: all })
    if (recorded.error !== undefined) throw new Error(`block ${i}: recording run failed: ${(recorded.error as Error).message}`)
    for (const [k, v] of recorded.written) all.set(k, v)
    const entry: Json = { ...b, executionWitness: executionWitnessToJson(recorded.witness) }
    if (opts.ssz) {
      const input = statelessInputOf(block, recorded.witness, BigInt(chainConfig.chainId))
      entry.statelessInputBytes = toHex(encodeStatelessInput(input))
      entry.statelessOutputBytes = toHex(statelessOutputBytes(input, true))
    }
    blocks.push(entry)
    ancestors.push(block.header)
    last = { block, witness: recorded.witness }
  }
  if (opts.tamper && last !== undefined) {
    const wrongRoot = new Uint8Array(32).fill(0xab)
    const tampered = createBlock(
      { header: { ...last.block.header, stateRoot: wrongRoot }, transactions: last.block.transactions, withdrawals: last.block.withdrawals?.map((w) => w.toValue()), uncleHeaders: [] },
      { common, setHardfork: true },
    )
    const entry: Json = { rlp: bytesToHex(tampered.serialize()), expectException: 'INVALID_STATE_ROOT', executionWitness: executionWitnessToJson(last.witness) }
    if (opts.ssz) {
      const input = statelessInputOf(tampered, last.witness, BigInt(chainConfig.chainId))
      entry.statelessInputBytes = toHex(encodeStatelessInput(input))
      entry.statelessOutputBytes = toHex(statelessOutputBytes(input, false))
    }
    blocks.push(entry)
  }
  return { ...test, blocks }
}
