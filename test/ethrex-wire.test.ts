import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../src/protocol/errors.js'
import { blockNumberOfRlp, blockToEthrex, conversionCommon } from '../src/protocol/ethrex/block.js'
import { encodeMessage, parseMessage, type Message } from '../src/protocol/messages.js'
import { parseJson, stringifyJson, type Json } from '../src/protocol/json.js'
import { BatchInput } from '../src/protocol/batchInput.js'
import { chainConfigFromEthrex } from '../src/protocol/ethrex/chainConfig.js'
import { proverInputDataJson } from '../src/protocol/ethrex/proverInput.js'
import { REPO_ROOT } from './support/fixtures.js'
import { l2CacheFileToInput } from '../src/l2/cache.js'
import { encodeL2ProgramInput } from '../guest/l2/input.js'
import { executePublicValues } from '../src/backend/exec.js'
import { createTx } from '@ethereumjs/tx'
import { txFromEthrex, txToEthrex } from '../src/protocol/ethrex/transaction.js'

/**
 * ethrex's exact JSON for every ProofData variant (test/fixtures/ethrex-wire, hand-written from ethrex's
 * struct definitions; SOURCES.md names the file and line of every field) parses, means what ethrex means,
 * and re-encodes to the same bytes. The older Tessera dialect still parses.
 */

const DIR = resolve(REPO_ROOT, 'test/fixtures/ethrex-wire')
const golden = (name: string) => readFileSync(join(DIR, name), 'utf8')

function protocolError(f: () => unknown): ProtocolError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError)
    return e as ProtocolError
  }
  throw new Error('expected a ProtocolError')
}

describe('ethrex golden messages', () => {
  const names = readdirSync(DIR).filter((n) => n.endsWith('.json'))
  const legacy = readdirSync(join(DIR, 'tessera-0.1')).filter((n) => n.endsWith('.json'))

  it('covers every ProofData variant', () => {
    const variants = names.map((n) => {
      const j = parseJson(golden(n))
      return typeof j === 'string' ? j : Object.keys(j as object)[0]
    })
    for (const v of ['ProverSetup', 'ProverSetupACK', 'InputRequest', 'VersionMismatch', 'ProverTypeNotNeeded', 'InputResponse', 'ProofSubmit', 'ProofSubmitACK']) {
      expect(variants).toContain(v)
    }
  })

  it.each(names)('%s parses and re-encodes byte for byte', (name) => {
    const text = golden(name)
    const msg = parseMessage(text)
    expect(msg.dialect).toBeUndefined()
    expect(encodeMessage(msg)).toBe(text)
  })

  it.each(legacy)('tessera-0.1/%s (older dialect) parses and is answered in the same form', (name) => {
    const text = golden(`tessera-0.1/${name}`)
    const msg = parseMessage(text)
    expect(msg.dialect).toBe('tessera-0.1')
    expect(encodeMessage(msg)).toBe(text)
  })

  it('reads what each message says', () => {
    expect(parseMessage(golden('input-request.json'))).toEqual({
      kind: 'BatchRequest',
      commitHash: '3b1fbc5c7ad7a6b91b6f3c0d8a3e5f0c2d4e6f70',
      proverType: 'SP1',
      authToken: undefined,
      proverId: undefined,
    })
    expect(parseMessage(golden('input-request-tessera-extras.json'))).toMatchObject({ authToken: 's3cret', proverId: '9f2c4e6a8b0d1f3e' })
    expect(parseMessage(golden('input-response-empty.json'))).toEqual({ kind: 'BatchResponse', batchNumber: null, input: null, format: null })
    expect(parseMessage(golden('version-mismatch.json'))).toEqual({ kind: 'VersionMismatch' })
    expect(parseMessage(golden('prover-type-not-needed.json'))).toEqual({ kind: 'ProverTypeNotNeeded', proverType: 'RISC0' })
    // ethrex's Exec backend: a one-byte sentinel proof and no public values.
    expect(parseMessage(golden('proof-submit-exec.json'))).toEqual({
      kind: 'ProofSubmit',
      batchNumber: 12,
      batchProof: { proverType: 'Exec', proof: Uint8Array.of(0) },
      authToken: undefined,
    })
    expect(parseMessage(golden('proof-submit-with-public-values.json'))).toEqual({
      kind: 'ProofSubmit',
      batchNumber: 12,
      batchProof: { proverType: 'RISC0', proof: Uint8Array.of(1, 2, 3, 4), publicValues: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) },
      authToken: undefined,
    })
    expect(parseMessage(golden('proof-submit-ack.json'))).toEqual({ kind: 'ProofSubmitACK', batchNumber: 12 })
    expect(parseMessage(golden('prover-setup.json'))).toEqual({ kind: 'ProverSetup', proverType: 'TDX', payload: Uint8Array.of(4, 17, 34, 51), authToken: undefined })
    expect(parseMessage(golden('prover-setup-ack.json'))).toEqual({ kind: 'ProverSetupACK' })
  })

  it('decodes the L1 input into the ProgramInput the guest runs', () => {
    const msg = parseMessage(golden('input-response-l1.json'))
    if (msg.kind !== 'BatchResponse' || msg.input === null) throw new Error('expected an InputResponse with input')
    expect(msg).toMatchObject({ batchNumber: 3, format: 'Compressed' })
    expect(msg.input.form).toBe('l1')
    const program = msg.input.programInput()
    expect(program.blocks).toHaveLength(1)
    expect(blockNumberOfRlp(program.blocks[0], 'block')).toBe(7)
    expect(program.witness).toEqual({
      state: [Uint8Array.of(194, 32, 1), Uint8Array.of(200, 131, 1, 2, 3, 131, 4, 5, 6)],
      codes: [Uint8Array.of(96, 0, 96, 0, 243)],
      keys: [],
      headers: [Uint8Array.of(192)],
    })
    expect(program.chainConfig).toEqual({
      chainId: 1337, homesteadBlock: 0, eip150Block: 0, eip155Block: 0, eip158Block: 0, byzantiumBlock: 0, constantinopleBlock: 0,
      petersburgBlock: 0, istanbulBlock: 0, berlinBlock: 0, londonBlock: 0, mergeNetsplitBlock: 0, shanghaiTime: 0, terminalTotalDifficulty: 0,
      blobSchedule: { cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 }, prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 } },
    })
    // The RLP block carries every header field the JSON had: back to ethrex JSON, the same header (serde's nulls aside).
    const wire = JSON.parse(golden('input-response-l1.json')).InputResponse.input.blocks[0]
    const again = blockToEthrex(program.blocks[0], conversionCommon(program.chainConfig), 'block') as { header: Record<string, unknown>; body: unknown }
    const withoutNulls = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== null))
    expect(withoutNulls(again.header)).toEqual(withoutNulls(wire.header))
    expect(again.body).toEqual(wire.body)
  })

  it('decodes the L2 ProverInputData, numbers above 2^53 included, and says it runs the L2 guest, not the L1 one', () => {
    const text = golden('input-response-l2.json')
    const msg = parseMessage(text)
    if (msg.kind !== 'BatchResponse' || msg.input === null) throw new Error('expected an InputResponse with input')
    expect(msg.input.form).toBe('l2')
    const data = msg.input.proverInputData()
    expect(data.elasticityMultiplier).toBe(2)
    expect(data.blobCommitment).toHaveLength(48)
    expect(data.blobCommitment[0]).toBe(0xa0)
    expect(data.blobProof[47]).toBe(146)
    expect(data.feeConfigs).toEqual([
      { baseFeeVault: new Uint8Array(20).fill(0x55), operatorFeeConfig: { operatorFeeVault: new Uint8Array(20).fill(0x66), operatorFeePerGas: 1000 }, l1FeeConfig: null },
    ])
    expect(data.witness.firstBlockNumber).toBe(7)
    expect((data.witness.chainConfig as Record<string, unknown>).terminalTotalDifficulty).toBe(58750000000000000000000n)
    expect(text).toContain('"terminalTotalDifficulty":58750000000000000000000,')
    const e = protocolError(() => msg.input!.programInput())
    expect(e.reason).toBe('unsupported_input')
    expect(e.message).toMatch(/L2 batch/)
  })

  it('writes an L2 batch as ethrex ProverInputData that reads back to the same data', () => {
    const msg = parseMessage(golden('input-response-l2.json'))
    if (msg.kind !== 'BatchResponse' || msg.input === null) throw new Error('expected an InputResponse with input')
    const data = msg.input.proverInputData()
    const program = { blocks: data.blocks, witness: data.witness.witness, chainConfig: chainConfigFromEthrex(data.witness.chainConfig, 'chainConfig') }
    // The golden's witness is the flat form with a placeholder header: written back in that form.
    const json = proverInputDataJson(program, data, 'flat')
    expect(Object.keys(json as object)).toEqual(['blocks', 'execution_witness', 'elasticity_multiplier', 'blob_commitment', 'blob_proof', 'fee_configs'])
    const again = BatchInput.fromEthrexJson(parseJson(stringifyJson(json)), 'input')
    expect(again.form).toBe('l2')
    const back = again.proverInputData()
    expect({ ...back, witness: back.witness.witness }).toEqual({ ...data, witness: data.witness.witness })
  })

  describe('an L2 batch with privileged (0x7e) transactions (input-response-l2-privileged.json = devnet batch 1)', () => {
    const text = golden('input-response-l2-privileged.json')
    const cache = JSON.parse(readFileSync(resolve(REPO_ROOT, 'fixtures/l2/cache_batch_1.json'), 'utf8'))
    const summary = JSON.parse(readFileSync(resolve(REPO_ROOT, 'fixtures/l2/meta/summary.json'), 'utf8')) as { batches: { publicValues: string }[] }

    it('converts to the L2ProgramInput the cache file gives, and the L2 guest reaches the batch\'s public values', async () => {
      const msg = parseMessage(text)
      if (msg.kind !== 'BatchResponse' || msg.input === null) throw new Error('expected an InputResponse with input')
      expect(msg.input.form).toBe('l2')
      const l2 = msg.input.l2ProgramInput()
      const fromCache = l2CacheFileToInput(cache)
      // Same RLP blocks (privileged transactions included), witness, fee configs and blob data.
      expect(l2.blocks.map((b) => Buffer.from(b).toString('hex'))).toEqual(fromCache.blocks.map((b) => Buffer.from(b).toString('hex')))
      expect(l2.witness).toEqual(fromCache.witness)
      expect(l2.feeConfigs).toEqual(fromCache.feeConfigs)
      expect(l2.elasticityMultiplier).toBe(2n)
      expect(l2.blobCommitment).toEqual(fromCache.blobCommitment)
      expect(l2.blobProof).toEqual(fromCache.blobProof)
      expect(l2.chainConfig).toMatchObject({ chainId: 65536999, pragueTime: 0, depositContractAddress: '0x00000000219ab540356cbb839cbe05303d7705fa' })
      expect(msg.input.blocks()).toEqual(l2.blocks)
      // What a Tessera prover runs for it: the L2 guest, through the exec backend.
      const publicValues = await executePublicValues(msg.input.runnableBytes())
      expect(`0x${Buffer.from(publicValues).toString('hex')}`).toBe(summary.batches[0].publicValues)
    }, 60_000)

    it('is what Tessera\'s coordinator serves for the stored batch with --witness-form flat, in ethrex\'s exact JSON', () => {
      const served = BatchInput.fromStored(encodeL2ProgramInput(l2CacheFileToInput(cache)), 'flat')
      expect(served.form).toBe('l2')
      const out = JSON.parse(encodeMessage({ kind: 'BatchResponse', batchNumber: 1, input: served, format: 'Compressed' }))
      const want = JSON.parse(text)
      // Tessera keeps no verkleTime in its chain config: the rest of the message is ethrex's bytes.
      const config = (m: { InputResponse: { input: { execution_witness: { chainConfig: unknown } } } }) => m.InputResponse.input.execution_witness.chainConfig
      expect(chainConfigFromEthrex(config(out), 'c')).toEqual(chainConfigFromEthrex(config(want), 'c'))
      out.InputResponse.input.execution_witness.chainConfig = null
      want.InputResponse.input.execution_witness.chainConfig = null
      expect(JSON.stringify(out)).toBe(JSON.stringify(want))
      // The older dialect still gets the L2 batch in the cache shape its provers read.
      expect(Object.keys(served.legacyJson() as object)).toContain('blob_commitment')
    })

    it('names the field of a bad privileged transaction', () => {
      const cases: [string, string][] = [
        [text.replace('"type":"0x7e","nonce":"0x0"', '"type":"0x7f","nonce":"0x0"'), 'InputResponse.input.blocks[0].body.transactions[0].type'],
        [text.replace(',"chainId":"0x3e803e7","from":"0x000000000000000000000000000000000000ffff"}', ',"chainId":"0x3e803e7"}'), 'InputResponse.input.blocks[0].body.transactions[0].from'],
        [text.replace('"gas":"0x19a28"', '"gas":"0x10000000000000000"'), 'InputResponse.input.blocks[0].body.transactions[0].gas'],
        [text.replace('"withdrawals":null', '"withdrawals":[{}]'), 'InputResponse.input.blocks[0].body.withdrawals'],
      ]
      for (const [bad, field] of cases) {
        expect(bad).not.toBe(text)
        const m = parseMessage(bad)
        if (m.kind !== 'BatchResponse' || m.input === null) throw new Error('expected an InputResponse with input')
        expect(protocolError(() => m.input!.l2ProgramInput()).field).toBe(field)
      }
      // A changed privileged transaction still decodes but no longer matches the header's transactions root.
      const m = parseMessage(text.replace('"value":"0x4563918244f40000"', '"value":"0x4563918244f40001"'))
      if (m.kind !== 'BatchResponse' || m.input === null) throw new Error('expected an InputResponse with input')
      return expect(executePublicValues(m.input.runnableBytes())).rejects.toThrow(/transactions root/)
    }, 60_000)
  })

  it('writes every transaction type in the field order of ethrex\'s serde impls and reads it back to the same bytes', () => {
    const common = conversionCommon({ chainId: 65536999, homesteadBlock: 0, eip150Block: 0, eip155Block: 0, eip158Block: 0, byzantiumBlock: 0, constantinopleBlock: 0, petersburgBlock: 0, istanbulBlock: 0, berlinBlock: 0, londonBlock: 0, mergeNetsplitBlock: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 })
    const key = new Uint8Array(32).fill(7)
    const to = '0x' + '11'.repeat(20)
    const al = [{ address: '0x' + '22'.repeat(20), storageKeys: ['0x' + '33'.repeat(32)] }]
    const base = { nonce: 3n, gasLimit: 50_000n, to, value: 10n ** 18n, data: '0xdeadbeef' }
    const fees = { maxPriorityFeePerGas: 2n, maxFeePerGas: 1_000_000_000n }
    const txs = [
      createTx({ type: 0, ...base, gasPrice: 7n }, { common }).sign(key),
      createTx({ type: 1, ...base, gasPrice: 7n, accessList: al }, { common }).sign(key),
      createTx({ type: 2, ...base, ...fees, accessList: al }, { common }).sign(key),
      createTx({ type: 3, ...base, ...fees, maxFeePerBlobGas: 5n, blobVersionedHashes: ['0x01' + '44'.repeat(31)] }, { common }).sign(key),
      createTx({ type: 4, ...base, ...fees, authorizationList: [{ chainId: '0x3e803e7', address: to, nonce: '0x1', yParity: '0x1', r: '0x' + '55'.repeat(32), s: '0x' + '66'.repeat(31) }] }, { common }).sign(key),
    ]
    const order: Record<number, string> = {
      0: 'type nonce to gas value input gasPrice chainId v r s',
      1: 'type nonce to gas value input gasPrice accessList chainId yParity v r s',
      2: 'type nonce to gas value input maxPriorityFeePerGas maxFeePerGas gasPrice accessList chainId yParity v r s',
      3: 'type nonce to gas value input maxPriorityFeePerGas maxFeePerGas gasPrice maxFeePerBlobGas accessList blobVersionedHashes chainId yParity v r s',
      4: 'type nonce to gas value input maxPriorityFeePerGas maxFeePerGas gasPrice accessList authorizationList chainId yParity v r s',
    }
    for (const tx of txs) {
      const json = txToEthrex(tx) as Record<string, Json>
      expect(Object.keys(json).join(' ')).toBe(order[tx.type])
      expect(json.input).toBe('0xdeadbeef')
      expect(json.value).toBe('0xde0b6b3a7640000')
      const back = txFromEthrex(parseJson(stringifyJson(json)), common, 'tx')
      expect(Buffer.from(back.serialize()).toString('hex')).toBe(Buffer.from(tx.serialize()).toString('hex'))
    }
    // A legacy EIP-155 transaction's chainId is derived from v, as ethrex's derive_legacy_chain_id does.
    expect((txToEthrex(txs[0]) as Record<string, Json>).chainId).toBe('0x3e803e7')
  })

  it('reads the embedded-trie witness and names what keeps it from proving itself (here: a header that is not one)', () => {
    const msg = parseMessage(golden('input-response-embedded-tries.json'))
    if (msg.kind !== 'BatchResponse' || msg.input === null) throw new Error('expected an InputResponse with input')
    const e = protocolError(() => msg.input!.programInput())
    expect(e.reason).toBe('malformed')
    expect(e.field).toBe('InputResponse.input.execution_witness.block_headers_bytes[0]')
    expect(e.message).toMatch(/not an RLP block header/)
  })

  it('names the field of every defect in an ethrex message', () => {
    const l1 = golden('input-response-l1.json')
    const cases: [string, string][] = [
      [l1.replace('"nodes":[[194,32,1]', '"nodes":[[194,32,256]'), 'InputResponse.input.execution_witness.nodes[0]'],
      [l1.replace('"firstBlockNumber":7', '"firstBlockNumber":8'), 'InputResponse.input.execution_witness.firstBlockNumber'],
      [l1.replace('"number":"0x7"', '"number":"0xzz"'), 'InputResponse.input.blocks[0]'],
      [l1.replace('"format":"Compressed"', '"format":"Plonk"'), 'InputResponse.format'],
      [l1.replace(',"nodes":[[194,32,1],[200,131,1,2,3,131,4,5,6]]', ''), 'InputResponse.input.execution_witness.nodes'],
      [golden('input-response-l2.json').replace('"blob_commitment":[160,', '"blob_commitment":['), 'InputResponse.input.blob_commitment'],
      [golden('proof-submit-exec.json').replace('"Exec"', '"Zisk"'), 'ProofSubmit.proof.Proof.prover_type'],
      [golden('prover-setup.json').replace('[4,17,34,51]', '"0x04112233"'), 'ProverSetup.payload'],
    ]
    for (const [text, field] of cases) {
      const e = protocolError(() => {
        const m = parseMessage(text)
        if (m.kind === 'BatchResponse' && m.input) {
          if (m.input.form === 'l2') m.input.proverInputData()
          else m.input.programInput()
        }
      })
      expect(e.field).toBe(field)
    }
  })
})

describe('lossless JSON', () => {
  it('keeps u64/u128 integers and writes serde_json\'s compact form', () => {
    const text = '{"a":18446744073709551615,"b":[1,-2,3.5],"c":"\\u0001\\"\\n€","d":null,"e":true}'
    const v = parseJson(text)
    expect((v as Record<string, unknown>).a).toBe(18446744073709551615n)
    expect(stringifyJson(v)).toBe(text)
    expect(() => parseJson('{"a":1} x')).toThrow(ProtocolError)
    expect(() => parseJson('{"a":01}')).toThrow(ProtocolError)
    expect(() => parseJson('"\u0001"')).toThrow(ProtocolError)
    expect(() => parseJson('[01]')).toThrow(ProtocolError)
    // Byte arrays are read in bounded runs: a long one (here 300k items) and runs broken by other numbers.
    const long = Array.from({ length: 300_000 }, (_, i) => (i * 7) & 255)
    expect(parseJson(`[${long.join(',')}]`)).toEqual(long)
    expect(stringifyJson(parseJson('[1,2,-3,4.5,1234567890123456789, 6]'))).toBe('[1,2,-3,4.5,1234567890123456789,6]')
  })

  it('round-trips every message kind it can build', () => {
    const m: Message = { kind: 'ProofSubmit', batchNumber: 1, batchProof: { proverType: 'TDX', proof: Uint8Array.of(255) } }
    expect(parseMessage(encodeMessage(m))).toEqual({ ...m, authToken: undefined })
  })
})
