/**
 * ethrex L2 guest building blocks, checked against ethrex's own vectors and against the real ethrex L2 chain
 * in ../shared/fixtures/real/ethrex-l2 (written by lambdaclass/ethrex @ 6fbd93b5).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, concatBytes, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto, guestKzg } from '../guest/crypto.js'
import { BlockInvalid, WitnessInvalid } from '../guest/errors.js'
import { BlobInvalid, blobFromPayload, commitBlob, decodeBatchPayload, encodeBatchPayload, payloadFromBlob, verifyBatchBlob, versionedHash } from '../guest/l2/blob.js'
import { decodeL2Blocks } from '../guest/l2/block.js'
import { decodeFeeConfig, encodeFeeConfig, FeeConfigInvalid } from '../guest/l2/feeConfig.js'
import { decodeL2ProgramInput, encodeL2ProgramInput, isEncodedL2Input } from '../guest/l2/input.js'
import { l1MessagesFromLogs, l1MessageHash, merkleRoot, privilegedTransactionsHash } from '../guest/l2/messages.js'
import { checkL2Claims, decodeL2PublicValues, encodeL2PublicValues, L2_PUBLIC_VALUES_LENGTH, type L2ProgramOutput } from '../guest/l2/output.js'
import { PrivilegedTransaction } from '../guest/l2/privilegedTx.js'
import { SHARED_FIXTURES } from './support/fixtures.js'

const REAL = join(SHARED_FIXTURES, 'real/ethrex-l2')
const genesis = JSON.parse(readFileSync(join(REAL, 'l2.json'), 'utf8'))
const common = commonFromChainConfig(genesis.config, guestCrypto())
const blob = (n: number) => new Uint8Array(readFileSync(join(REAL, `${n}-1.blob`)))
const h = (s: string) => hexToBytes(s as `0x${string}`)

describe('privileged transaction (type 0x7e)', () => {
  // Fields of ethrex's own test, crates/common/types/transaction.rs @ 6fbd93b5,
  // serialize_deserialize_privileged_l2_transaction.
  const sender = createAddressFromString('0x8943545177806ed17b9f23f0a21ee5948ecaa776')
  const tx = new PrivilegedTransaction(65536999n, 0n, 875000000n, 875000000n, 42000n, sender, 500000000000000000000000000n, new Uint8Array(), [], sender)

  it('round-trips ethrex field order [chain_id, nonce, prio, max_fee, gas, to, value, data, access_list, from]', () => {
    const bytes = tx.serialize()
    expect(bytes[0]).toBe(0x7e)
    const fields = RLP.decode(bytes.subarray(1)) as Uint8Array[]
    expect(fields).toHaveLength(10)
    expect(bytesToHex(fields[9])).toBe(sender.toString())
    expect(PrivilegedTransaction.fromSerialized(bytes)).toEqual(tx)
  })

  it('hashes as ethrex get_privileged_hash: keccak(from ‖ to ‖ nonce ‖ value ‖ gas ‖ keccak(data)), u256 words', () => {
    const word = (v: bigint) => h(`0x${v.toString(16).padStart(64, '0')}`)
    const expected = keccak_256(concatBytes(sender.bytes, sender.bytes, word(0n), word(500000000000000000000000000n), word(42000n), keccak_256(new Uint8Array())))
    expect(bytesToHex(tx.hash())).toBe(bytesToHex(expected))
    expect(new PrivilegedTransaction(1n, 0n, 0n, 0n, 1n, undefined, 0n, new Uint8Array(), [], sender).privilegedHash()).toBeUndefined()
  })

  it('refuses non-canonical or malformed encodings with a typed error', () => {
    const fields = RLP.decode(tx.serialize().subarray(1)) as Uint8Array[]
    const withLeadingZero = [...fields]
    withLeadingZero[4] = concatBytes(new Uint8Array([0]), fields[4])
    expect(() => PrivilegedTransaction.fromSerialized(concatBytes(new Uint8Array([0x7e]), RLP.encode(withLeadingZero)))).toThrow(/gas_limit.*leading zero/)
    expect(() => PrivilegedTransaction.fromSerialized(concatBytes(new Uint8Array([0x7e]), RLP.encode(fields.slice(0, 9))))).toThrow(WitnessInvalid)
  })

  it('decodes the 192 privileged transactions of the real chain, all sent by the bridge', () => {
    let count = 0
    for (let n = 1; n <= 6; n++) {
      for (const b of decodeBatchPayload(payloadFromBlob(blob(n)), common).blocks) {
        for (const t of b.transactions as unknown[]) {
          expect(t).toBeInstanceOf(PrivilegedTransaction)
          expect((t as PrivilegedTransaction).from.toString()).toBe('0x000000000000000000000000000000000000ffff')
          count++
        }
      }
    }
    expect(count).toBe(192)
  })
})

describe('fee config', () => {
  it('decodes and re-encodes the real chain fee configs byte for byte', () => {
    const { feeConfigs } = decodeBatchPayload(payloadFromBlob(blob(1)), common)
    const [c] = feeConfigs
    expect(c.baseFeeVault?.toString()).toBe('0x000c0d6b7c4516a5b274c51ea331a9410fe69127')
    expect(c.operatorFee?.feePerGas).toBe(1000000000n)
    // The L1 fee per blob gas follows L1: 0 in the first batch, 1 wei later on.
    expect(c.l1Fee?.feePerBlobGas).toBe(0n)
    expect(decodeBatchPayload(payloadFromBlob(blob(5)), common).feeConfigs[0].l1Fee?.feePerBlobGas).toBe(1n)
    const bytes = encodeFeeConfig(c)
    expect(bytes.subarray(0, 2)).toEqual(new Uint8Array([0, 7]))
    expect(bytes).toHaveLength(2 + 20 + 28 + 28)
    expect(decodeFeeConfig(bytes)).toEqual({ config: c, consumed: bytes.length })
  })

  it('refuses an unknown version, unknown type bits and truncation', () => {
    const bytes = encodeFeeConfig({ baseFeeVault: createAddressFromString('0x000000000000000000000000000000000000dead') })
    expect(() => decodeFeeConfig(concatBytes(new Uint8Array([1]), bytes.subarray(1)))).toThrow(/unsupported fee config version 1/)
    expect(() => decodeFeeConfig(new Uint8Array([0, 8]))).toThrow(FeeConfigInvalid)
    expect(() => decodeFeeConfig(bytes.subarray(0, 10))).toThrow(/base_fee_vault.*truncated/)
  })
})

describe('L1 messages and privileged rolling hash', () => {
  const leaf = (i: number) => keccak_256(new Uint8Array([i]))
  const pair = (a: Uint8Array, b: Uint8Array) => keccak_256(Buffer.compare(a, b) < 0 ? concatBytes(a, b) : concatBytes(b, a))

  it('merkle root as lambdaworks + OpenZeppelin commutative keccak: zero, single leaf, padding with the last leaf', () => {
    expect(merkleRoot([])).toEqual(new Uint8Array(32))
    expect(merkleRoot([leaf(1)])).toEqual(leaf(1))
    expect(merkleRoot([leaf(1), leaf(2)])).toEqual(pair(leaf(1), leaf(2)))
    expect(merkleRoot([leaf(2), leaf(1)])).toEqual(merkleRoot([leaf(1), leaf(2)]))
    expect(merkleRoot([leaf(1), leaf(2), leaf(3)])).toEqual(pair(pair(leaf(1), leaf(2)), pair(leaf(3), leaf(3))))
  })

  it('rolling hash = u16 count ‖ keccak(concat)[2..]; zero when empty', () => {
    expect(privilegedTransactionsHash([])).toEqual(new Uint8Array(32))
    const got = privilegedTransactionsHash([leaf(1), leaf(2), leaf(3)])
    expect(Array.from(got.subarray(0, 2))).toEqual([0, 3])
    expect(got.subarray(2)).toEqual(keccak_256(concatBytes(leaf(1), leaf(2), leaf(3))).subarray(2))
    expect(() => privilegedTransactionsHash(new Array(65536).fill(leaf(1)))).toThrow(/privileged tx rolling hash/)
  })

  it('reads L1 messages only from the messenger logs with the L1Message topic', () => {
    const topic = keccak_256(new TextEncoder().encode('L1Message(address,bytes32,uint256)'))
    const messenger = h('0x000000000000000000000000000000000000fffe')
    const from = concatBytes(new Uint8Array(12), h('0x00000000000000000000000000000000000000aa'))
    const log = [messenger, [topic, from, leaf(9), leaf(8)], new Uint8Array()] as [Uint8Array, Uint8Array[], Uint8Array]
    const other = [h('0x000000000000000000000000000000000000fffd'), log[1], new Uint8Array()] as typeof log
    const msgs = l1MessagesFromLogs([log, other, [messenger, [leaf(7)], new Uint8Array()]])
    expect(msgs).toHaveLength(1)
    expect(bytesToHex(msgs[0].from)).toBe('0x00000000000000000000000000000000000000aa')
    expect(l1MessageHash(msgs[0])).toEqual(keccak_256(concatBytes(msgs[0].from, leaf(9), leaf(8))))
  })
})

describe('blob', () => {
  it('versioned hash: ethrex blobs_bundle.rs test vectors (commitment -> 0x01 ‖ sha256[1..])', () => {
    // crates/common/types/blobs_bundle.rs @ 6fbd93b5, transaction_with_invalid_proofs_should_fail.
    expect(bytesToHex(versionedHash(h('0xb90289aabe0fcfb8db20a76b863ba90912d1d4d040cb7a156427d1c8cd5825b4d95eaeb221124782cc216960a3d01ec5')))).toBe(
      '0x01ec8054d05bfec80f49231c6e90528bbb826ccd1464c255f38004099c8918d9',
    )
    expect(bytesToHex(versionedHash(h('0x91189a03ce1fe1225fc5de41d502c3911c2b19596f9011ea5fca4bf311424e5f853c9c46fe026038036c766197af96a0')))).toBe(
      '0x0180cb2dee9e6e016fabb5da4fb208555f5145c32895ccd13b26266d558cd77d',
    )
  })

  it("ethrex's invalid-proof vector (zero blob vs another blob's commitment and proof) does not verify", () => {
    const zero = bytesToHex(new Uint8Array(131072))
    const ok = guestKzg().verifyBlobProof(
      zero,
      '0xb90289aabe0fcfb8db20a76b863ba90912d1d4d040cb7a156427d1c8cd5825b4d95eaeb221124782cc216960a3d01ec5',
      '0xb502263fc5e75b3587f4fb418e61c5d0f0c18980b4e00179326a65d082539a50c063507a0b028e2db10c55814acbe4e9',
    )
    expect(ok).toBe(false)
  })

  it('re-encodes every real blob byte for byte from its decoded blocks and fee configs', () => {
    for (let n = 1; n <= 6; n++) {
      const { blocks, feeConfigs } = decodeBatchPayload(payloadFromBlob(blob(n)), common)
      expect(blobFromPayload(encodeBatchPayload(blocks, feeConfigs))).toEqual(blob(n))
    }
  })

  it('packs 31 bytes behind a zero byte and refuses a non-zero top byte', () => {
    const payload = Uint8Array.from({ length: 70 }, (_, i) => i + 1)
    const packed = blobFromPayload(payload)
    expect(packed[0]).toBe(0)
    expect(packed.subarray(1, 32)).toEqual(payload.subarray(0, 31))
    expect(packed[64 + 1]).toBe(63)
    expect(payloadFromBlob(packed).subarray(0, 70)).toEqual(payload)
    packed[32 * 7] = 1
    expect(() => payloadFromBlob(packed, 'x.blob')).toThrow(/x\.blob: field element 7/)
  })

  it('verifies the KZG proof of a real batch and refuses a proof or fee config that does not match', () => {
    const kzg = guestKzg()
    const { blocks, feeConfigs } = decodeBatchPayload(payloadFromBlob(blob(1)), common)
    const { commitment, proof } = commitBlob(kzg, blob(1))
    expect(verifyBatchBlob(kzg, blocks, feeConfigs, commitment, proof)).toEqual(versionedHash(commitment))
    const badProof = proof.slice()
    badProof[47] ^= 1
    expect(() => verifyBatchBlob(kzg, blocks, feeConfigs, commitment, badProof)).toThrow(BlobInvalid)
    const otherVault = [{ ...feeConfigs[0], baseFeeVault: createAddressFromString('0x000000000000000000000000000000000000dead') }]
    expect(() => verifyBatchBlob(kzg, blocks, otherVault, commitment, proof)).toThrow(/blob KZG proof/)
    expect(verifyBatchBlob(kzg, blocks, feeConfigs, new Uint8Array(48), new Uint8Array(48))).toEqual(new Uint8Array(32))
  })

  it('reports truncated RLP with a typed error', () => {
    const payload = payloadFromBlob(blob(2))
    expect(() => decodeL2Blocks(payload.subarray(8, 300), 1, common, '2-1.blob')).toThrow(/2-1\.blob: block 1 of 1.*truncated or bad RLP/)
  })
})

describe('L2 public values', () => {
  const word = (b: number) => new Uint8Array(32).fill(b)
  const output: L2ProgramOutput = {
    initialStateRoot: word(1),
    finalStateRoot: word(2),
    l1MessagesMerkleRoot: word(3),
    privilegedTransactionsHash: word(4),
    blobVersionedHash: word(5),
    lastBlockHash: word(6),
    chainId: 65536999n,
    nonPrivilegedCount: 7n,
  }

  it('is 256 bytes in ethrex ProgramOutput::encode order (output.rs @ 6fbd93b5)', () => {
    const pv = encodeL2PublicValues(output)
    expect(pv).toHaveLength(L2_PUBLIC_VALUES_LENGTH)
    for (let i = 0; i < 6; i++) expect(pv.subarray(i * 32, i * 32 + 32)).toEqual(word(i + 1))
    expect(bytesToHex(pv.subarray(192, 224))).toBe(`0x${(65536999).toString(16).padStart(64, '0')}`)
    expect(pv[255]).toBe(7)
    expect(decodeL2PublicValues(pv)).toEqual(output)
  })

  it('names the field of a wrong claim', () => {
    expect(() => checkL2Claims(output, { privilegedTransactionsHash: word(9) })).toThrow(/claimed privileged tx rolling hash/)
    expect(() => checkL2Claims(output, { nonPrivilegedCount: 8n })).toThrow(BlockInvalid)
    expect(() => checkL2Claims(output, { ...output })).not.toThrow()
  })
})

describe('L2 program input codec', () => {
  it('round-trips and is told apart from the L1 input', () => {
    const { blocks, feeConfigs } = decodeBatchPayload(payloadFromBlob(blob(1)), common)
    const input = {
      blocks: blocks.map((b) => RLP.encode([b.header.raw(), [], []])),
      witness: { state: [new Uint8Array([0xc0])], codes: [], keys: [], headers: [] },
      chainConfig: genesis.config,
      elasticityMultiplier: 2n,
      feeConfigs,
      blobCommitment: new Uint8Array(48).fill(1),
      blobProof: new Uint8Array(48).fill(2),
    }
    const bytes = encodeL2ProgramInput(input)
    expect(isEncodedL2Input(bytes)).toBe(true)
    expect(decodeL2ProgramInput(bytes)).toEqual(input)
    expect(() => decodeL2ProgramInput(RLP.encode([1, [], [], [], [], [], new Uint8Array()]))).toThrow(WitnessInvalid)
  })
})

describe('L2 precompiles', () => {
  it('P256VERIFY answers at 0x100 on the Prague L2 (ethrex L2), not on plain Prague; it is not pre-warmed', async () => {
    const { p256 } = await import('@noble/curves/nist.js')
    const { createVM } = await import('@ethereumjs/vm')
    const { installL2Precompiles } = await import('../guest/l2/precompiles.js')
    const secret = new Uint8Array(32).fill(7)
    const digest = keccak_256(new TextEncoder().encode('tessera'))
    const sig = p256.sign(digest, secret, { prehash: false })
    const pub = p256.getPublicKey(secret, false)
    const data = concatBytes(digest, sig.subarray(0, 64), pub.subarray(1))
    const to = createAddressFromString('0x0000000000000000000000000000000000000100')
    const plain = await createVM({ common: common.copy() })
    const l1 = await plain.evm.runCall({ to, data, gasLimit: 100_000n })
    expect(l1.execResult.returnValue).toHaveLength(0)
    const vm = await createVM({ common: common.copy() })
    installL2Precompiles(vm)
    const ok = await vm.evm.runCall({ to, data, gasLimit: 100_000n })
    expect(bytesToHex(ok.execResult.returnValue)).toBe(`0x${'00'.repeat(31)}01`)
    expect(ok.execResult.executionGasUsed).toBe(6900n)
    const bad = await vm.evm.runCall({ to, data: data.map((b, i) => (i === 0 ? b ^ 1 : b)), gasLimit: 100_000n })
    expect(bad.execResult.returnValue).toHaveLength(0)
    vm.evm.journal.addAlwaysWarmAddress('0000000000000000000000000000000000000100')
    expect(vm.evm.journal.isWarmedAddress(to.bytes)).toBe(false)
    vm.evm.journal.addAlwaysWarmAddress('0000000000000000000000000000000000000100', true)
    expect(vm.evm.journal.isWarmedAddress(to.bytes)).toBe(true)
  })
})
