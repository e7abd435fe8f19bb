import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { BlockInvalid, WitnessIncomplete, WitnessInvalid } from '../guest/errors.js'
import { executeStateless } from '../guest/execute.js'
import { decodeProgramInput, encodeProgramInput } from '../guest/input.js'
import { decodePublicValues, encodePublicValues } from '../guest/output.js'
import type { ProgramInput } from '../guest/types.js'
import { cacheFileToProgramInput, readCacheFile } from '../src/witness/cache.js'
import { DEVNET_DIR, HOODI_CACHE } from './support/fixtures.js'

const devnetFiles = readdirSync(DEVNET_DIR).filter((f) => f.endsWith('.json')).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
const loadInput = async (path: string) => cacheFileToProgramInput(await readCacheFile(path))
const lastHeaderStateRoot = (input: ProgramInput) => {
  const block = RLP.decode(input.blocks[input.blocks.length - 1]) as Uint8Array[][]
  return bytesToHex(block[0][3])
}
const withWitness = (input: ProgramInput, patch: Partial<ProgramInput['witness']>): ProgramInput => ({
  ...input,
  witness: { ...input.witness, ...patch },
})

describe('guest on real and devnet batches', () => {
  it('replays the Hoodi block from its ethrex-replay cache and matches the header state root', async () => {
    const input = await loadInput(HOODI_CACHE)
    const out = await executeStateless(input)
    expect(bytesToHex(out.finalStateRoot)).toBe('0xf7c1acf1facc79a7c560efa36f1158a0b643ed14519aaa06f56949ad60d6b03f')
    expect(out.chainId).toBe(560048n)
    expect(out.transactionCount).toBe(11n)
    expect(decodePublicValues(encodePublicValues(out)).finalStateRoot).toEqual(out.finalStateRoot)
  }, 60_000)

  it.each(devnetFiles)('replays devnet batch %s', async (file) => {
    const input = await loadInput(join(DEVNET_DIR, file))
    // Through the binary form, as a worker would receive it.
    const out = await executeStateless(decodeProgramInput(encodeProgramInput(input)))
    expect(bytesToHex(out.finalStateRoot)).toBe(lastHeaderStateRoot(input))
    expect(out.stats.gasUsed).toBeGreaterThan(0n)
  }, 60_000)
})

describe('adversarial witnesses (typed errors, never a wrong "valid")', () => {
  let input: ProgramInput
  beforeAll(async () => {
    // The last devnet batch uses storage, codes, BLOCKHASH (older headers) and deletions.
    input = await loadInput(join(DEVNET_DIR, devnetFiles[devnetFiles.length - 1]))
    expect(input.witness.headers.length).toBeGreaterThan(1)
  })

  it('recorder witnesses are minimal: removing any single state node gives WitnessIncomplete', async () => {
    for (const file of devnetFiles) {
      const batch = await loadInput(join(DEVNET_DIR, file))
      for (let i = 0; i < batch.witness.state.length; i++) {
        const state = batch.witness.state.filter((_, j) => j !== i)
        await expect(executeStateless(withWitness(batch, { state })), `${file} node ${i}`).rejects.toBeInstanceOf(WitnessIncomplete)
      }
    }
  }, 300_000)

  it('an altered node is a missing node', async () => {
    for (const i of [0, Math.floor(input.witness.state.length / 2), input.witness.state.length - 1]) {
      const state = input.witness.state.map((n, j) => (j === i ? Uint8Array.from(n, (b, k) => (k === n.length - 1 ? b ^ 1 : b)) : n))
      await expect(executeStateless(withWitness(input, { state }))).rejects.toBeInstanceOf(WitnessIncomplete)
    }
  })

  it('a missing code names the code hash', async () => {
    const code = input.witness.codes[0]
    const codes = input.witness.codes.slice(1)
    const err = await executeStateless(withWitness(input, { codes })).catch((e) => e)
    expect(err).toBeInstanceOf(WitnessIncomplete)
    expect(err.kind).toBe('code')
    expect(err.message).toContain(bytesToHex(keccak_256(code)))
  })

  it('an altered or missing header is rejected', async () => {
    const headers = input.witness.headers
    const tamper = (h: Uint8Array) => {
      const fields = RLP.decode(h) as Uint8Array[]
      fields[12] = new TextEncoder().encode('tampered') // extraData
      return RLP.encode(fields)
    }
    // Newest header (the parent) altered: its hash no longer matches the first block's parentHash.
    await expect(executeStateless(withWitness(input, { headers: [...headers.slice(0, -1), tamper(headers.at(-1)!)] }))).rejects.toBeInstanceOf(WitnessInvalid)
    // An older header altered: the chain is broken.
    await expect(executeStateless(withWitness(input, { headers: [tamper(headers[0]), ...headers.slice(1)] }))).rejects.toBeInstanceOf(WitnessInvalid)
    // The oldest header dropped: BLOCKHASH cannot be served.
    const err = await executeStateless(withWitness(input, { headers: headers.slice(1) })).catch((e) => e)
    expect(err).toBeInstanceOf(WitnessIncomplete)
    expect(err.kind).toBe('header')
    // No headers at all.
    await expect(executeStateless(withWitness(input, { headers: [] }))).rejects.toBeInstanceOf(WitnessIncomplete)
  })

  it("accepts the batch's own headers in the witness, but no other later header", async () => {
    const own = input.blocks.map((b) => RLP.encode((RLP.decode(b) as unknown as Uint8Array[][])[0] as never))
    const out = await executeStateless(withWitness(input, { headers: [...input.witness.headers, ...own] }))
    expect(bytesToHex(out.finalStateRoot)).toBe(lastHeaderStateRoot(input))
    const fields = RLP.decode(own[1]) as Uint8Array[]
    fields[12] = new TextEncoder().encode('not the batch block')
    await expect(executeStateless(withWitness(input, { headers: [...input.witness.headers, own[0], RLP.encode(fields)] }))).rejects.toBeInstanceOf(WitnessInvalid)
  })

  it('garbage bytes are rejected with typed errors', async () => {
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)
    await expect(executeStateless(withWitness(input, { headers: [garbage] }))).rejects.toBeInstanceOf(WitnessInvalid)
    await expect(executeStateless({ ...input, blocks: [garbage] })).rejects.toBeInstanceOf(BlockInvalid)
    expect(() => decodeProgramInput(garbage)).toThrow(WitnessInvalid)
    // Extra unrelated nodes are harmless: the result is unchanged.
    const out = await executeStateless(withWitness(input, { state: [...input.witness.state, garbage] }))
    expect(bytesToHex(out.finalStateRoot)).toBe(lastHeaderStateRoot(input))
  })

  it('a tampered block is BlockInvalid naming the check', async () => {
    const block = RLP.decode(input.blocks[0]) as unknown as [Uint8Array[], Uint8Array[], unknown[], unknown[]]
    const header = [...block[0]]
    header[3] = new Uint8Array(32).fill(7) // stateRoot
    const blocks = [RLP.encode([header, block[1], block[2], block[3]] as never)]
    const err = await executeStateless({ ...input, blocks }).catch((e) => e)
    expect(err).toBeInstanceOf(BlockInvalid)
    expect(err.check).toBe('state root')
    expect(err.expected).toBe(`0x${'07'.repeat(32)}`)
    // Blocks that are not consecutive.
    await expect(executeStateless({ ...input, blocks: [input.blocks[1], input.blocks[0]] })).rejects.toBeInstanceOf(BlockInvalid)
  })

  it('a wrong chain id is rejected', async () => {
    await expect(executeStateless({ ...input, chainConfig: { ...input.chainConfig, chainId: 1 } })).rejects.toBeInstanceOf(BlockInvalid)
    await expect(executeStateless({ ...input, chainConfig: { chainId: 'x' } as never })).rejects.toBeInstanceOf(WitnessInvalid)
  })
})
