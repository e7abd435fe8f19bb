import { RLP } from '@ethereumjs/rlp'
import { describe, expect, it } from 'vitest'
import { BlockInvalid } from '../guest/errors.js'
import { decodeProgramInput, encodeProgramInput as guestEncodeProgramInput } from '../guest/input.js'
import { NodeStore } from '../guest/state.js'
import type { ProgramInput } from '../guest/types.js'
import { keccak256Noble, keccak256Wasm } from '../src/crypto/keccak.js'
import { shortText } from '../src/errors/shortText.js'
import { rebuildError, serialiseError } from '../src/pool/errors.js'
import { programInputFromJson, programInputToJson } from '../src/protocol/input.js'
import { encodeProgramInput } from '../src/witness/programInput.js'
import { rlpEncode, type RlpItem } from '../src/witness/rlp.js'
import { syntheticInput } from './support/coordinator-kit.js'

/**
 * Issue 13, item 4: no size cliff. A witness of a million nodes encodes, decodes and hashes without
 * recursion or argument spreading (@ethereumjs/rlp's encode overflows the stack near ~120k items), and
 * errors quote only a short prefix of a huge field.
 */

function bigWitnessInput(nodes: number): ProgramInput {
  const state = new Array<Uint8Array>(nodes)
  for (let i = 0; i < nodes; i++) {
    const node = new Uint8Array(12)
    node[0] = 0xcb // a short RLP list, like a tiny leaf
    node[8] = i & 0xff
    node[9] = (i >> 8) & 0xff
    node[10] = (i >> 16) & 0xff
    state[i] = node
  }
  const base = syntheticInput(1)
  return { ...base, witness: { ...base.witness, state } }
}

describe('no size cliff', () => {
  it('encodes and decodes the binary input of a witness of 1,000,000 nodes', () => {
    const input = bigWitnessInput(1_000_000)
    expect(() => RLP.encode([input.witness.state.slice(0, 200_000)])).toThrow(RangeError) // the cliff this replaces
    const back = decodeProgramInput(encodeProgramInput(input))
    expect(back.witness.state).toHaveLength(1_000_000)
    expect(back.witness.state[999_999]).toEqual(input.witness.state[999_999])
    expect(back.blocks).toEqual(input.blocks)
  }, 120_000)

  // Past the old cliff (~123k) by a margin; a million here would cost a minute of CPU on the shared CI box.
  it('round-trips the wire JSON of, and indexes by hash, a witness of 300,000 nodes', () => {
    const input = bigWitnessInput(300_000)
    const json = programInputFromJson(JSON.parse(JSON.stringify(programInputToJson(input))))
    expect(json.witness.state).toHaveLength(300_000)
    expect(json.witness.state[299_999]).toEqual(input.witness.state[299_999])
    const store = NodeStore.fromWitness(json.witness.state, json.witness.codes, keccak256Wasm ?? keccak256Noble)
    expect(store).toBeDefined()
  }, 120_000)

  it('the iterative ProgramInput encoder is byte-identical to @ethereumjs/rlp\'s, and rlpEncode too on nested data', () => {
    for (const n of [0, 1, 55, 56, 300]) {
      const input = bigWitnessInput(n)
      const w = input.witness
      const reference = RLP.encode([1, input.blocks, w.state, w.codes, w.keys, w.headers, new TextEncoder().encode(JSON.stringify(input.chainConfig))] as never)
      expect(encodeProgramInput(input)).toEqual(reference)
      expect(guestEncodeProgramInput(input)).toEqual(reference)
    }
    const samples: RlpItem[] = [
      new Uint8Array(0),
      Uint8Array.of(0x7f),
      Uint8Array.of(0x80),
      new Uint8Array(55).fill(1),
      new Uint8Array(56).fill(2),
      new Uint8Array(70_000).fill(3),
      [],
      [[], [[]], [Uint8Array.of(1), [Uint8Array.of(2), new Uint8Array(60)]]],
      Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? [Uint8Array.of(i & 0x7f)] : new Uint8Array(i % 70))),
    ]
    for (const s of samples) expect(rlpEncode(s)).toEqual(RLP.encode(s as never))
    // Deep nesting: no recursion either.
    let deep: RlpItem = Uint8Array.of(1)
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(rlpEncode(deep).length).toBeGreaterThan(100_000)
  })

  it('errors quote a short prefix of a huge field, across the worker boundary too', () => {
    const huge = `0x${'ab'.repeat(10_000_000)}`
    const e = new BlockInvalid(7n, 'extraData', { expected: 'at most 32 bytes', actual: huge })
    const s = serialiseError(e)
    expect(s.message.length).toBeLessThan(1100)
    expect(String(s.actual).length).toBeLessThan(1100)
    expect(s.message).toMatch(/got 0x(ab)+… \(20000002 characters\)$/) // the quote keeps its head and says its length
    const rebuilt = rebuildError(s)
    expect(rebuilt).toBeInstanceOf(BlockInvalid)
    expect(rebuilt.message.length).toBeLessThan(1100)
    expect(shortText('short')).toBe('short')
  })
})
