import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createBlockFromRLP } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { commonFromChainConfig } from '../guest/chain.js'
import { guestCrypto } from '../guest/crypto.js'
import { BlockInvalid, WitnessInvalid } from '../guest/errors.js'
import { executeStateless } from '../guest/execute.js'
import { runBlockchainTest } from '../src/conformance/case.js'
import { chainConfigForNetwork, dropUnlistedBpoForks } from '../src/conformance/networks.js'
import { InputFormatError } from '../src/witness/formats/errors.js'
import { NewPayloadRequestV03, decodeStatelessInputV03, encodeStatelessInputV03, encodeStatelessOutputV03 } from '../src/witness/formats/sszStatelessV03.js'
import { REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

const VECTORS = join(SHARED_FIXTURES, 'eest/blockchain_tests_zkevm')
const run = promisify(execFile)

interface VectorBlock {
  rlp: string
  blockHeader: Record<string, string>
  transactions: unknown[]
  executionWitness: { state: string[]; codes: string[]; headers: string[] }
  statelessInputBytes: string
  statelessOutputBytes: string
}
interface Vector {
  network: string
  config: { chainid: string; blobSchedule?: Record<string, unknown> }
  blocks: VectorBlock[]
}

function vectorFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? vectorFiles(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : []))
}

const files = vectorFiles(VECTORS)
const vectors: [string, Vector][] = files.flatMap((f) => Object.entries(JSON.parse(readFileSync(f, 'utf8')) as Record<string, Vector>))
const blocks = vectors.flatMap(([name, v]) => v.blocks.map((b, i) => ({ name: `${name} #${i}`, v, b })))
const bytes = (h: string) => Buffer.from(h.slice(2), 'hex')

describe('EIP-8025 SSZ (tests-zkevm v0.3 layout) against the vectors\' bytes', () => {
  it('finds the shared vectors', () => {
    expect(files.length).toBeGreaterThan(50)
    expect(blocks.length).toBeGreaterThan(150)
  })

  it('decodes every statelessInputBytes to the block and witness of its fixture, and re-encodes the same bytes', () => {
    for (const { name, v, b } of blocks) {
      const input = decodeStatelessInputV03(bytes(b.statelessInputBytes), name)
      const p = input.newPayloadRequest.executionPayload
      expect(bytesToHex(p.blockHash), name).toBe(b.blockHeader.hash)
      expect(bytesToHex(p.stateRoot), name).toBe(b.blockHeader.stateRoot)
      expect(p.blockNumber, name).toBe(BigInt(b.blockHeader.number))
      expect(p.slotNumber, name).toBe(BigInt(b.blockHeader.slotNumber))
      expect(p.transactions.length, name).toBe(b.transactions.length)
      expect(input.witness.state.map(bytesToHex), name).toEqual(b.executionWitness.state)
      expect(input.witness.codes.map(bytesToHex), name).toEqual(b.executionWitness.codes)
      expect(input.witness.headers.map(bytesToHex), name).toEqual(b.executionWitness.headers)
      expect(input.chainConfig.chainId, name).toBe(BigInt(v.config.chainid))
      expect(bytesToHex(encodeStatelessInputV03(input)), name).toBe(b.statelessInputBytes)
    }
  })

  it('hashes every NewPayloadRequest to the root in statelessOutputBytes and encodes the 41-byte result', () => {
    for (const { name, b } of blocks) {
      const input = decodeStatelessInputV03(bytes(b.statelessInputBytes), name)
      const expected = bytes(b.statelessOutputBytes)
      expect(expected.length).toBe(41)
      const out = encodeStatelessOutputV03(input.newPayloadRequest, expected[32] === 1, input.chainConfig.chainId)
      expect(bytesToHex(out), name).toBe(b.statelessOutputBytes)
    }
  })

  it('rejects a non-canonical or truncated input with a typed error, and a changed field changes the root', () => {
    const { b } = blocks[0]
    const good = bytes(b.statelessInputBytes)
    expect(() => decodeStatelessInputV03(good.subarray(0, good.length - 1), 'cut')).toThrow(InputFormatError)
    const badOffset = Buffer.from(good)
    badOffset.writeUInt32LE(badOffset.length + 7, 4) // witness offset past the end
    expect(() => decodeStatelessInputV03(badOffset, 'offset')).toThrow(InputFormatError)
    const input = decodeStatelessInputV03(good, 'good')
    const root = NewPayloadRequestV03.hashTreeRoot(input.newPayloadRequest)
    input.newPayloadRequest.executionPayload.slotNumber += 1n
    expect(bytesToHex(NewPayloadRequestV03.hashTreeRoot(input.newPayloadRequest))).not.toBe(bytesToHex(root))
  })
})

describe('the guest on Amsterdam vectors', () => {
  const { v, b } = blocks.find(({ name }) => name.includes('test_witness_state_sload_contains_storage_proof'))!
  const chainConfig = dropUnlistedBpoForks(chainConfigForNetwork(v.network), v.config.blobSchedule)
  const witness = () => ({
    state: b.executionWitness.state.map(bytes),
    codes: b.executionWitness.codes.map(bytes),
    keys: [],
    headers: b.executionWitness.headers.map(bytes),
  })

  it('accepts a valid block from the vector\'s own witness', async () => {
    const out = await executeStateless({ blocks: [bytes(b.rlp)], witness: witness(), chainConfig, orderedHeaders: true })
    expect(bytesToHex(out.finalStateRoot)).toBe(b.blockHeader.stateRoot)
  })

  it('rejects the block when its header commits to another block access list', async () => {
    const common = commonFromChainConfig(chainConfig, guestCrypto())
    const block = createBlockFromRLP(bytes(b.rlp), { common, setHardfork: true })
    const raw = block.raw() as unknown as Uint8Array[][]
    const header = raw[0] as unknown as Uint8Array[]
    header[21] = new Uint8Array(32).fill(0xab) // blockAccessListHash
    const tampered = RLP.encode(raw as never)
    const err = await executeStateless({ blocks: [tampered], witness: witness(), chainConfig, orderedHeaders: true }).catch((e) => e)
    expect(err).toBeInstanceOf(BlockInvalid)
    expect((err as BlockInvalid).check).toBe('block access list hash')
  })

  it('rejects witness headers that are not a contiguous chain, oldest first, under the stateless-input rules', async () => {
    const multi = blocks.find(({ b }) => b.executionWitness.headers.length >= 3)!.b
    const w = { state: multi.executionWitness.state.map(bytes), codes: multi.executionWitness.codes.map(bytes), keys: [], headers: [...multi.executionWitness.headers].reverse().map(bytes) }
    await expect(executeStateless({ blocks: [bytes(multi.rlp)], witness: w, chainConfig, orderedHeaders: true })).rejects.toThrow(WitnessInvalid)
  })
})

describe('EIP-8037 in the form the vectors were filled with', () => {
  // One vector per rule of that form that ethereumjs's later revision does not have (see guest/amsterdam.ts).
  const cases = [
    ['test_witness_codes_auth_nonce_mismatch', 'an invalid authorization keeps its intrinsic state gas'],
    ['test_witness_codes_reset_delegation', 'an existing authority returns only the new-account part'],
    ['test_witness_codes_reverted_transaction', 'a reverted transaction keeps its state gas in the block'],
    ['test_witness_codes_failed_create_after_initcode_read', 'a failed creation transaction keeps its intrinsic state gas'],
    ['test_witness_codes_failed_create_includes_factory', 'a CREATE whose initcode fails keeps its state gas'],
    ['test_witness_codes_reverted_create_same_hash_then_read', 'a reverted top frame keeps its CREATE and deposit state gas'],
  ]
  for (const [test, rule] of cases) {
    it(`${rule} (${test})`, async () => {
      const { v, b } = blocks.find(({ name }) => name.includes(`${test}[`))!
      const chainConfig = dropUnlistedBpoForks(chainConfigForNetwork(v.network), v.config.blobSchedule)
      const w = { state: b.executionWitness.state.map(bytes), codes: b.executionWitness.codes.map(bytes), keys: [], headers: b.executionWitness.headers.map(bytes) }
      const out = await executeStateless({ blocks: [bytes(b.rlp)], witness: w, chainConfig, orderedHeaders: true })
      expect(bytesToHex(out.finalStateRoot)).toBe(b.blockHeader.stateRoot)
    })
  }
})

describe('a damaged vector', () => {
  it('fails by check name, with typed reasons, instead of crashing the run', async () => {
    const [name, vector] = vectors.find(([n]) => n.includes('test_witness_state_sload_contains_storage_proof'))!
    const broken = structuredClone(vector) as Vector & { blocks: (VectorBlock & { executionWitness: { state: string[] } })[] }
    broken.blocks[0].executionWitness.state[0] = '0xzz'
    const result = await runBlockchainTest(name, broken as never)
    expect(result.passed).toBe(false)
    expect(result.checks?.['witness-guest']).toEqual({ passed: 0, failed: 1 })
    expect(result.failures.join('\n')).toMatch(/block #0 witness-guest: the vector accepts the block with this witness, the guest rejected it: witness invalid/)
    expect(result.failures.join('\n')).not.toMatch(/untyped|harness/)
  })
})

describe('tessera conformance on the shared EIP-8025 vectors', () => {
  it('runs the four named checks per block and closes with the count', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'tessera-zkevm-')), 'results.json')
    let stdout: string
    try {
      ;({ stdout } = await run(process.execPath, [join(REPO_ROOT, 'dist/src/cli/main.js'), 'conformance', VECTORS, '--workers', '2', '--progress-seconds', '0', '--json', json], { maxBuffer: 64 * 1024 * 1024 }))
    } catch (e) {
      stdout = (e as { stdout: string }).stdout
    }
    const summary = JSON.parse(readFileSync(json, 'utf8')) as { passed: number; failed: number; results: { name: string; passed: boolean; failures: string[]; checks?: Record<string, { passed: number; failed: number }> }[] }
    const lines = stdout.trim().split('\n')
    expect(lines.at(-1)).toBe(`${summary.passed} passed, ${summary.failed} failed`)
    expect(summary.passed + summary.failed).toBe(vectors.length)
    const folders = new Set(files.map((f) => f.split('/').at(-2)))
    for (const folder of folders) expect(lines.some((l) => l.startsWith(`checks eip8025_optional_proofs/${folder} [Amsterdam]:`)), folder).toBe(true)
    // Every block gets all four checks; the SSZ input check passes on every block.
    const totals: Record<string, { passed: number; failed: number }> = {}
    for (const r of summary.results) {
      for (const [k, c] of Object.entries(r.checks ?? {})) {
        totals[k] ??= { passed: 0, failed: 0 }
        totals[k].passed += c.passed
        totals[k].failed += c.failed
      }
    }
    for (const k of ['witness-guest', 'ssz-input', 'ssz-output', 'recorder-covers']) expect(totals[k].passed + totals[k].failed, k).toBe(blocks.length)
    for (const k of ['witness-guest', 'ssz-input', 'ssz-output', 'recorder-covers']) expect(totals[k].failed, k).toBe(0)
    expect(summary.failed, summary.results.filter((x) => !x.passed).flatMap((x) => x.failures).join('\n')).toBe(0)
  }, 300_000)
})
