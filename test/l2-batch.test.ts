/**
 * The L2 guest on a real ethrex batch (batch 2 of ../shared/fixtures/real/ethrex-l2: blocks 2-6, 50
 * privileged deposits) with the witness Tessera records, and every tampering of it the guest must refuse.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Block, createBlockHeader } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { createAddressFromString } from '@ethereumjs/util'
import { beforeAll, describe, expect, it } from 'vitest'
import { commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto } from '../guest/crypto.js'
import { BlockInvalid, WitnessIncomplete } from '../guest/errors.js'
import { BlobInvalid } from '../guest/l2/blob.js'
import { decodeL2Block, encodeL2Block, type L2Block } from '../guest/l2/block.js'
import { checkL2Claims, encodeL2PublicValues } from '../guest/l2/output.js'
import { PrivilegedTransaction } from '../guest/l2/privilegedTx.js'
import { executeL2Batch } from '../guest/l2/program.js'
import type { L2ProgramInput } from '../guest/l2/types.js'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { L2CacheFormatError, l2CacheFileToInput, l2InputToCacheFile } from '../src/l2/cache.js'
import { reconstructL2, type ReconstructedBatch } from '../src/l2/reconstruct.js'
import { SHARED_FIXTURES } from './support/fixtures.js'

const REAL = join(SHARED_FIXTURES, 'real/ethrex-l2')
const genesis = JSON.parse(readFileSync(join(REAL, 'l2.json'), 'utf8'))
const common = commonFromChainConfig(genesis.config, guestCrypto())

let batch: ReconstructedBatch
let other: ReconstructedBatch
beforeAll(async () => {
  const blobs = [1, 2, 3].map((n) => ({ name: `${n}-1.blob`, bytes: new Uint8Array(readFileSync(join(REAL, `${n}-1.blob`))) }))
  const r = await reconstructL2(genesis, blobs)
  ;[, batch, other] = r.batches
}, 180_000)

const decode = (rlp: Uint8Array): L2Block => decodeL2Block(RLP.decode(rlp), common, 'test')
const withBlocks = (blocks: Uint8Array[]): L2ProgramInput => ({ ...batch.input, blocks })

function replaceTx(block: L2Block, index: number, tx: PrivilegedTransaction | undefined, fixRoot: boolean): Promise<Uint8Array> | Uint8Array {
  const txs = [...(block.transactions as unknown as PrivilegedTransaction[])]
  if (tx === undefined) txs.splice(index, 1)
  else txs[index] = tx
  const build = (header = block.header) => encodeL2Block(new Block(header, txs as never, [], undefined, { common }))
  if (!fixRoot) return build()
  return (async () => {
    const trie = new MerklePatriciaTrie({ common })
    for (const [i, t] of txs.entries()) await trie.put(RLP.encode(i), t.serialize())
    return build(createBlockHeader({ ...block.header.toJSON(), transactionsTrie: trie.root() } as never, { common, setHardfork: true }))
  })()
}

function richer(tx: PrivilegedTransaction): PrivilegedTransaction {
  return new PrivilegedTransaction(tx.chainId, tx.nonce, tx.maxPriorityFeePerGas, tx.maxFeePerGas, tx.gasLimit, tx.to, tx.value + 1n, tx.data, tx.accessList, tx.from)
}

describe('L2 guest on a recorded real batch', () => {
  it('proves it from the recorded witness alone, with the public values the reconstruction reported', async () => {
    const out = await executeL2Batch(batch.input)
    expect(encodeL2PublicValues(out)).toEqual(batch.publicValues)
    expect(out.privilegedCount).toBe(50)
    expect(out.nonPrivilegedCount).toBe(0n)
    expect(out.privilegedTransactionsHash[1]).toBe(50) // u16 count prefix of the rolling hash
  }, 60_000)

  it('refuses a privileged tx altered or dropped (transactions root)', async () => {
    const first = decode(batch.input.blocks[0])
    const tx = first.transactions[0] as unknown as PrivilegedTransaction
    const altered = [await replaceTx(first, 0, richer(tx), false), ...batch.input.blocks.slice(1)]
    await expect(executeL2Batch(withBlocks(altered))).rejects.toThrow(/block 2 invalid: transactions root/)
    const dropped = [await replaceTx(first, 0, undefined, false), ...batch.input.blocks.slice(1)]
    await expect(executeL2Batch(withBlocks(dropped))).rejects.toThrow(/block 2 invalid: transactions root/)
  }, 60_000)

  it('refuses a privileged tx altered in a header-consistent block (re-execution differs from the header)', async () => {
    const blocks = [...batch.input.blocks]
    const last = decode(blocks[blocks.length - 1])
    blocks[blocks.length - 1] = await replaceTx(last, 2, richer(last.transactions[2] as unknown as PrivilegedTransaction), true)
    const err = await executeL2Batch(withBlocks(blocks)).catch((e) => e)
    expect(err).toBeInstanceOf(BlockInvalid)
    expect((err as BlockInvalid).message).toMatch(/block 6 invalid: (receipts root|state root)/)
  }, 60_000)

  it('refuses a fee config that is not the one published (blob KZG proof)', async () => {
    const feeConfigs = batch.input.feeConfigs.map((c, i) => (i === 1 ? { ...c, baseFeeVault: createAddressFromString('0x000000000000000000000000000000000000dead') } : c))
    await expect(executeL2Batch({ ...batch.input, feeConfigs })).rejects.toThrow(/blob KZG proof/)
    await expect(executeL2Batch({ ...batch.input, feeConfigs: feeConfigs.slice(1) })).rejects.toThrow(/fee configs: expected 5/)
  }, 60_000)

  it('refuses a blob proof or commitment that does not match', async () => {
    const blobProof = batch.input.blobProof.slice()
    blobProof[10] ^= 1
    await expect(executeL2Batch({ ...batch.input, blobProof })).rejects.toThrow(BlobInvalid)
    await expect(executeL2Batch({ ...batch.input, blobCommitment: other.commitment, blobProof: other.proof })).rejects.toThrow(/blob KZG proof/)
  }, 60_000)

  it('names a wrong claimed rolling hash', async () => {
    const out = await executeL2Batch(batch.input)
    const claimed = out.privilegedTransactionsHash.slice()
    claimed[31] ^= 1
    expect(() => checkL2Claims(out, { privilegedTransactionsHash: claimed })).toThrow(/claimed privileged tx rolling hash: expected 0x/)
  }, 60_000)

  it('needs every recorded witness node (sampled) and every code', async () => {
    const { state, codes } = batch.input.witness
    expect(state.length).toBeGreaterThan(3)
    const picks = [...new Set(Array.from({ length: 8 }, (_, i) => Math.floor((i * state.length) / 8)))]
    for (const i of picks) {
      const witness = { ...batch.input.witness, state: state.filter((_, j) => j !== i) }
      await expect(executeL2Batch({ ...batch.input, witness }), `node ${i}`).rejects.toBeInstanceOf(WitnessIncomplete)
    }
    for (let i = 0; i < codes.length; i++) {
      const witness = { ...batch.input.witness, codes: codes.filter((_, j) => j !== i) }
      await expect(executeL2Batch({ ...batch.input, witness }), `code ${i}`).rejects.toBeInstanceOf(WitnessIncomplete)
    }
  }, 180_000)
})

describe('L2 batch cache file', () => {
  it('round-trips through JSON and refuses block JSON that does not match the block RLP', () => {
    const file = JSON.parse(JSON.stringify(l2InputToCacheFile(batch.input, 2)))
    expect(file.blob_commitment).toHaveLength(48)
    expect(file.fee_configs[0].operator_fee_config.operator_fee_per_gas).toBe(1000000000)
    expect(file.chainId).toBe(65536999)
    expect(l2CacheFileToInput(file)).toEqual(batch.input)
    file.blocks[1].body.transactions[0].value = '0x1'
    expect(() => l2CacheFileToInput(file, 'cache_batch_2.json')).toThrow(L2CacheFormatError)
  }, 60_000)
})
