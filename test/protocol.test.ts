import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../src/protocol/errors.js'
import { programInputFromJson, programInputToJson } from '../src/protocol/input.js'
import { encodeMessage, parseMessage, type Message } from '../src/protocol/messages.js'
import { parseAddress } from '../src/protocol/transport.js'
import { BatchInput } from '../src/protocol/batchInput.js'
import { syntheticInput } from './support/coordinator-kit.js'

function reason(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError)
    return (e as ProtocolError).reason
  }
  throw new Error('expected a ProtocolError')
}

describe('protocol messages', () => {
  it('encodes exactly ethrex\'s ProofData (number arrays, externally tagged enums)', () => {
    expect(encodeMessage({ kind: 'BatchRequest', commitHash: '0.1.0', proverType: 'Exec' })).toBe(
      '{"InputRequest":{"commit_hash":"0.1.0","prover_type":"Exec"}}',
    )
    expect(encodeMessage({ kind: 'BatchResponse', batchNumber: null, input: null, format: null })).toBe(
      '{"InputResponse":{"id":null,"input":null,"format":null}}',
    )
    expect(encodeMessage({ kind: 'VersionMismatch' })).toBe('"VersionMismatch"')
    expect(encodeMessage({ kind: 'ProverSetupACK' })).toBe('"ProverSetupACK"')
    expect(encodeMessage({ kind: 'ProverTypeNotNeeded', proverType: 'TDX' })).toBe('{"ProverTypeNotNeeded":{"prover_type":"TDX"}}')
    expect(encodeMessage({ kind: 'ProverSetup', proverType: 'TDX', payload: Uint8Array.of(4, 5) })).toBe(
      '{"ProverSetup":{"prover_type":"TDX","payload":[4,5]}}',
    )
    expect(encodeMessage({ kind: 'ProofSubmit', batchNumber: 7, batchProof: { proverType: 'Exec', proof: Uint8Array.of(0) } })).toBe(
      '{"ProofSubmit":{"id":7,"proof":{"Proof":{"prover_type":"Exec","proof":[0]}}}}',
    )
    expect(
      encodeMessage({ kind: 'ProofSubmit', batchNumber: 7, batchProof: { proverType: 'SP1', proof: new Uint8Array(0), publicValues: Uint8Array.of(1, 2) } }),
    ).toBe('{"ProofSubmit":{"id":7,"proof":{"ProofWithPublicValues":{"proof_bytes":{"prover_type":"SP1","proof":[]},"public_values":[1,2]}}}}')
    expect(encodeMessage({ kind: 'ProofSubmitACK', batchNumber: 7 })).toBe('{"ProofSubmitACK":{"id":7}}')
  })

  it('round-trips every message, including a batch with its input', () => {
    const input = syntheticInput(42)
    const messages: Message[] = [
      { kind: 'BatchRequest', commitHash: 'abc', proverType: 'RISC0', authToken: 's3cret', proverId: 'p1' },
      { kind: 'BatchResponse', batchNumber: null, input: null, format: null },
      { kind: 'VersionMismatch' },
      { kind: 'ProverTypeNotNeeded', proverType: 'RISC0' },
      { kind: 'ProofSubmit', batchNumber: 0, batchProof: { proverType: 'SP1', proof: Uint8Array.of(9), publicValues: new Uint8Array(160) }, authToken: 't' },
      { kind: 'ProofSubmit', batchNumber: 3, batchProof: { proverType: 'Exec', proof: Uint8Array.of(0) }, authToken: undefined },
      { kind: 'ProofSubmitACK', batchNumber: 2 ** 40 },
      { kind: 'ProverSetup', proverType: 'SP1', payload: Uint8Array.of(1, 2, 3), authToken: undefined },
      { kind: 'ProverSetupACK' },
    ]
    for (const m of messages) expect(parseMessage(encodeMessage(m))).toEqual(m)
    const text = encodeMessage({ kind: 'BatchResponse', batchNumber: 3, input: BatchInput.fromProgram(input), format: 'Compressed' })
    const back = parseMessage(text)
    expect(back).toMatchObject({ kind: 'BatchResponse', batchNumber: 3, format: 'Compressed' })
    expect(back.kind === 'BatchResponse' && back.input?.form).toBe('l1')
    expect(back.kind === 'BatchResponse' && back.input?.programInput()).toEqual(input)
    expect(encodeMessage(back)).toBe(text)
  })

  it('accepts serde variations and ignores unknown fields', () => {
    expect(parseMessage('{"VersionMismatch":null}')).toEqual({ kind: 'VersionMismatch' })
    expect(parseMessage('{"InputRequest":{"commit_hash":"x","prover_type":"SP1","extra":[1,2]}}')).toEqual({
      kind: 'BatchRequest',
      commitHash: 'x',
      proverType: 'SP1',
      authToken: undefined,
      proverId: undefined,
    })
    expect(parseMessage('{"InputResponse":{"id":null}}')).toEqual({ kind: 'BatchResponse', batchNumber: null, input: null, format: null })
    expect(parseMessage(' {"ProofSubmitACK" : {"id" : 7}} ')).toEqual({ kind: 'ProofSubmitACK', batchNumber: 7 })
  })

  it('still reads the Tessera 0.1 dialect and answers in it', () => {
    const request = parseMessage('{"BatchRequest":{"commit_hash":"0.1.0","prover_type":"Exec","auth_token":"t"}}')
    expect(request).toEqual({ kind: 'BatchRequest', commitHash: '0.1.0', proverType: 'Exec', authToken: 't', proverId: undefined, dialect: 'tessera-0.1' })
    const submit = parseMessage('{"ProofSubmit":{"batch_number":7,"batch_proof":{"ProofBytes":{"prover_type":"Exec","proof":"0x","public_values":"0x0102"}}}}')
    expect(submit).toEqual({
      kind: 'ProofSubmit',
      batchNumber: 7,
      batchProof: { proverType: 'Exec', proof: new Uint8Array(0), publicValues: Uint8Array.of(1, 2) },
      authToken: undefined,
      dialect: 'tessera-0.1',
    })
    expect(parseMessage('{"ProofSubmitACK":{"batch_number":7}}')).toEqual({ kind: 'ProofSubmitACK', batchNumber: 7, dialect: 'tessera-0.1' })
    expect(encodeMessage({ kind: 'ProofSubmitACK', batchNumber: 7 }, 'tessera-0.1')).toBe('{"ProofSubmitACK":{"batch_number":7}}')
    const input = syntheticInput(5)
    const legacy = encodeMessage({ kind: 'BatchResponse', batchNumber: 5, input: BatchInput.fromProgram(input), format: 'Groth16' }, 'tessera-0.1')
    expect(legacy).toMatch(/^\{"BatchResponse":\{"batch_number":5,"input":\{"blocks":\["0x/)
    const back = parseMessage(legacy)
    expect(back.kind === 'BatchResponse' && back.input?.programInput()).toEqual(input)
  })

  it('refuses malformed and unknown messages with typed errors', () => {
    expect(reason(() => parseMessage(''))).toBe('malformed')
    expect(reason(() => parseMessage('{"InputRequest":{"commit_hash":"x","prover_type":"Exec"}'))).toBe('malformed') // truncated
    expect(reason(() => parseMessage('"Hello"'))).toBe('unknown_variant')
    expect(reason(() => parseMessage('{"BatchSteal":{}}'))).toBe('unknown_variant')
    expect(reason(() => parseMessage('{"InputRequest":{},"ProofSubmitACK":{}}'))).toBe('malformed')
    expect(reason(() => parseMessage('[1,2,3]'))).toBe('malformed')
    expect(reason(() => parseMessage('null'))).toBe('malformed')
    expect(reason(() => parseMessage('{"InputRequest":{"commit_hash":"x","prover_type":"Groth"}}'))).toBe('malformed')
    expect(reason(() => parseMessage(`{"InputRequest":{"commit_hash":"${'x'.repeat(300)}","prover_type":"Exec"}}`))).toBe('malformed')
    expect(reason(() => parseMessage('{"InputRequest":{"commit_hash":"x","commit_hash":"y","prover_type":"Exec"}}'))).toBe('malformed')
    expect(reason(() => parseMessage('{"ProofSubmitACK":{"id":-1}}'))).toBe('malformed')
    expect(reason(() => parseMessage('{"ProofSubmitACK":{"id":1.5}}'))).toBe('malformed')
    expect(reason(() => parseMessage('{"ProofSubmitACK":{"id":"7"}}'))).toBe('malformed')
    expect(reason(() => parseMessage('{"ProofSubmitACK":{"id":18446744073709551615}}'))).toBe('malformed')
    expect(reason(() => parseMessage('{"ProofSubmit":{"id":1,"proof":{"ProofCalldata":{"prover_type":"Exec","calldata":[]}}}}'))).toBe('malformed')
    expect(reason(() => parseMessage('{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"Exec","proof":[256]}}}}'))).toBe('malformed')
    // 0x-hex is the older dialect's byte form, not ethrex's.
    expect(reason(() => parseMessage('{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"Exec","proof":"0x00"}}}}'))).toBe('malformed')
    expect(
      reason(() => parseMessage('{"ProofSubmit":{"batch_number":1,"batch_proof":{"ProofBytes":{"prover_type":"Exec","proof":"0x1","public_values":"0x"}}}}')),
    ).toBe('malformed')
    expect(reason(() => parseMessage('{"InputResponse":{"id":1,"input":null,"format":"Groth16"}}'))).toBe('malformed')
    expect(reason(() => parseMessage('{"InputResponse":{"id":null,"input":{},"format":null}}'))).toBe('malformed')
    expect(reason(() => parseMessage('['.repeat(200_000)))).toBe('malformed') // deep nesting must not escape as RangeError
  })
})

describe('ProgramInput JSON', () => {
  it('round-trips and validates every field', () => {
    const input = syntheticInput(5, 40)
    const json = programInputToJson(input)
    expect(json.blocks[0]).toMatch(/^0x/)
    expect(programInputFromJson(JSON.parse(JSON.stringify(json)))).toEqual(input)

    const bad = (mutate: (j: Record<string, any>) => void) => {
      const j = JSON.parse(JSON.stringify(json))
      mutate(j)
      return reason(() => programInputFromJson(j))
    }
    expect(bad((j) => (j.blocks = []))).toBe('malformed')
    expect(bad((j) => (j.blocks = ['0xzz']))).toBe('malformed')
    expect(bad((j) => delete j.witness)).toBe('malformed')
    expect(bad((j) => (j.witness.state = 'x'))).toBe('malformed')
    expect(bad((j) => (j.witness.headers = [7]))).toBe('malformed')
    expect(bad((j) => delete j.chainConfig)).toBe('malformed')
    expect(bad((j) => (j.chainConfig.chainId = '1'))).toBe('malformed')
    expect(bad((j) => (j.chainConfig.cancunTime = -5))).toBe('malformed')
    expect(bad((j) => (j.chainConfig.terminalTotalDifficulty = 'lots'))).toBe('malformed')
  })
})

describe('addresses', () => {
  it('parses tcp URLs, host:port, ipv6 and bare ports', () => {
    expect(parseAddress('tcp://127.0.0.1:3900')).toEqual({ host: '127.0.0.1', port: 3900 })
    expect(parseAddress('localhost')).toEqual({ host: 'localhost', port: 3900 })
    expect(parseAddress('[::1]:4000')).toEqual({ host: '::1', port: 4000 })
    expect(parseAddress('5000')).toEqual({ host: '127.0.0.1', port: 5000 })
    expect(() => parseAddress('host:99999')).toThrow(ProtocolError)
    expect(() => parseAddress('::1:3')).toThrow(ProtocolError)
  })
})
