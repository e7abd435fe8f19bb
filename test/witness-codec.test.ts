import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { WitnessInvalid } from '../guest/errors.js'
import { decodeProgramInput, encodeProgramInput } from '../guest/input.js'
import { decodePublicValues, encodePublicValues, PUBLIC_VALUES_LENGTH } from '../guest/output.js'
import { executionWitnessToJson, parseExecutionWitness, witnessSize } from '../src/witness/codec.js'
import { cacheFileName, checkCacheFile, chainConfigOfNetwork, readCacheFile } from '../src/witness/cache.js'
import { parseHex, toHex } from '../src/witness/hex.js'
import { HOODI_CACHE } from './support/fixtures.js'

const node = Uint8Array.from([0xc2, 0x01, 0x02])
const code = Uint8Array.from([0x60, 0x00, 0x56])

describe('hex', () => {
  it('parses strict 0x hex and names the field on error', () => {
    expect(parseHex('0x0aff', 'f')).toEqual(Uint8Array.from([0x0a, 0xff]))
    expect(parseHex('0x', 'f')).toEqual(new Uint8Array())
    for (const bad of ['0x0', 'abcd', '0xzz', 12, null]) {
      expect(() => parseHex(bad, 'witness.state[3]')).toThrow(/witness\.state\[3\]/)
      expect(() => parseHex(bad, 'x')).toThrow(WitnessInvalid)
    }
  })
})

describe('execution witness JSON', () => {
  it('round-trips the list form', () => {
    const w = { state: [node], codes: [code], keys: [new Uint8Array(20)], headers: [Uint8Array.from([0xc0])] }
    const json = executionWitnessToJson(w)
    expect(json.state).toEqual(['0xc20102'])
    expect(parseExecutionWitness(json)).toEqual(w)
    expect(witnessSize(w)).toEqual({ nodes: 1, codes: 1, headers: 1, bytes: 3 + 3 + 20 + 1 })
  })

  it('accepts the older map form and checks each key is the hash of its value', () => {
    const map = { state: { [toHex(keccak_256(node))]: toHex(node) }, codes: { [toHex(keccak_256(code))]: toHex(code) }, headers: ['0xc0'] }
    const w = parseExecutionWitness(map)
    expect(w.state).toEqual([node])
    expect(w.codes).toEqual([code])
    const forged = { state: { [toHex(keccak_256(code))]: toHex(node) }, headers: [] }
    expect(() => parseExecutionWitness(forged)).toThrow(/keccak256 of the value/)
  })

  it('converts geth JSON headers through the encoder hook', () => {
    const w = parseExecutionWitness({ state: [], headers: [{ number: '0x1' }] }, () => Uint8Array.from([0xc1, 0x01]))
    expect(w.headers).toEqual([Uint8Array.from([0xc1, 0x01])])
    expect(() => parseExecutionWitness({ state: [], headers: [{ number: '0x1' }] })).toThrow(WitnessInvalid)
  })

  it('rejects malformed witnesses with the offending field named', () => {
    expect(() => parseExecutionWitness(null)).toThrow(WitnessInvalid)
    expect(() => parseExecutionWitness([])).toThrow(WitnessInvalid)
    expect(() => parseExecutionWitness({ headers: [] })).toThrow(/witness\.state: missing/)
    expect(() => parseExecutionWitness({ state: 'nope', headers: [] })).toThrow(/witness\.state/)
    expect(() => parseExecutionWitness({ state: ['0xc0', '0x1'], headers: [] })).toThrow(/witness\.state\[1\]/)
  })
})

describe('program input and public values', () => {
  it('round-trips ProgramInput through its binary form', () => {
    const input = {
      blocks: [Uint8Array.from([1, 2, 3])],
      witness: { state: [node], codes: [code], keys: [], headers: [Uint8Array.from([0xc0])] },
      chainConfig: { chainId: 1337, shanghaiTime: 0 },
    }
    expect(decodeProgramInput(encodeProgramInput(input))).toEqual(input)
  })

  it('rejects garbage input bytes with WitnessInvalid', () => {
    for (const garbage of [new Uint8Array(), Uint8Array.from([0xff, 0x00, 0x01]), Uint8Array.from([0xc1, 0x05]), Uint8Array.from([0xc0])]) {
      expect(() => decodeProgramInput(garbage)).toThrow(WitnessInvalid)
    }
  })

  it('encodes public values as ethrex L1 layout: 160 bytes, uint256 big-endian tail', () => {
    const out = {
      initialStateRoot: new Uint8Array(32).fill(1),
      finalStateRoot: new Uint8Array(32).fill(2),
      lastBlockHash: new Uint8Array(32).fill(3),
      chainId: 560048n,
      transactionCount: 11n,
    }
    const pv = encodePublicValues(out)
    expect(pv.length).toBe(PUBLIC_VALUES_LENGTH)
    expect(toHex(pv.subarray(96, 128))).toBe(`0x${'0'.repeat(58)}088bb0`)
    expect(pv[159]).toBe(11)
    expect(decodePublicValues(pv)).toEqual(out)
    expect(() => decodePublicValues(pv.subarray(1))).toThrow(RangeError)
  })
})

describe('cache files', () => {
  it('reads the Hoodi cache and names it like ethrex-replay', async () => {
    const cache = await readCacheFile(HOODI_CACHE)
    expect(chainConfigOfNetwork(cache.network)).toEqual({ chainId: 560048, publicNetwork: 'hoodi' })
    expect(cacheFileName(cache)).toBe('cache_hoodi_1265656.json')
  })

  it('rejects malformed cache files naming the field', () => {
    expect(() => checkCacheFile({ blocks: [], witness: {}, network: { PublicNetwork: 'Hoodi' } })).toThrow(/blocks/)
    expect(() => checkCacheFile({ blocks: [{ header: {}, body: {} }], witness: {}, network: { PublicNetwork: 'Hoodi' } })).toThrow(/body\.transactions/)
    expect(() => checkCacheFile({ blocks: [{ header: {}, body: { transactions: [] } }], witness: {}, network: { PublicNetwork: 'Atlantis' } })).toThrow(/Atlantis/)
  })
})
