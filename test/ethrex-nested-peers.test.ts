import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { loadBackend, mockPublicValues } from '../src/backend/index.js'
import { parseAcceptedCommits } from '../src/cli/commands/coordinator.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { Prover } from '../src/prover/prover.js'
import { scriptedServer } from './support/scriptedPeer.js'
import { cacheFileToProgramInput, readCacheFile } from '../src/witness/cache.js'
import { captureLog, rawExchange } from './support/coordinator-kit.js'
import { nestedTriesFromFlat, rehashNested } from './support/ethrexNested.js'
import { HOODI_CACHE, REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

/**
 * Tessera and ethrex peers speaking the nested ExecutionWitness (ethrex main since 2026-03), the ethrex side
 * scripted in this file from ethrex's serde rules (test/support/ethrexNested.ts, test/fixtures/ethrex-nested/README.md):
 * message texts composed here, trie JSON built and re-hashed by code independent of Tessera's codec.
 */

const ETHREX_WRITTEN_HOODI_CONFIG = resolve(SHARED_FIXTURES, 'real/ethrex-replay-2025/cache_hoodi_974567.json')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))
const arr = (h: string) => JSON.stringify(Array.from(bytes(h)))
/** An RLP integer (big-endian, empty = 0). */
const rlpNumber = (b: Uint8Array) => (b.length === 0 ? 0 : Number(BigInt(hex(b))))

/**
 * A scripted ethrex coordinator that serves `work` once, then nothing; a Tessera prover (exec backend) takes it
 * and must prove it. Returns the prover's ProofSubmit as the coordinator received it.
 */
async function proveOnce(work: string): Promise<{ id: number; proof: { ProofWithPublicValues: { public_values: number[] } } }> {
  let requests = 0
  const coordinator = await scriptedServer((request) => {
    const msg = JSON.parse(request)
    if ('InputRequest' in msg) return ++requests === 1 ? work : '{"InputResponse":{"id":null,"input":null,"format":null}}'
    if ('ProofSubmit' in msg) return `{"ProofSubmitACK":{"id":${msg.ProofSubmit.id}}}`
    return ''
  }, cleanups)
  const exec = await loadBackend('exec')
  const { logger } = captureLog()
  const prover = new Prover({
    coordinators: [coordinator.address],
    backend: 'exec',
    proverType: 'Exec',
    version: 'e8f2e60',
    workers: 1,
    pollIntervalMs: 20,
    exitWhenIdle: true,
    logger,
    prove: (_backend, input) => exec.prove(input),
  })
  expect(await prover.run()).toMatchObject({ reason: 'idle', proven: 1, failed: 0 })
  return JSON.parse(coordinator.received.find((t) => t.startsWith('{"ProofSubmit"'))!).ProofSubmit
}

interface Cache {
  blocks: { header: Record<string, string>; body: { transactions: unknown[] } }[]
  witness: { state: string[]; codes: string[]; keys: string[]; headers: string[] }
}

/** The parent header of the cache's block (found by its hash) and its state root. */
function parentOf(cache: Cache): { number: number; stateRoot: Uint8Array } {
  for (const h of cache.witness.headers) {
    if (hex(keccak_256(bytes(h))) === cache.blocks[0].header.parentHash) {
      const fields = RLP.decode(bytes(h)) as Uint8Array[]
      return { number: rlpNumber(fields[8]), stateRoot: fields[3] }
    }
  }
  throw new Error('no parent header')
}

describe('a Tessera prover against a scripted ethrex coordinator serving the nested witness', () => {
  it('proves the real Hoodi block and submits the public values of that block', async () => {
    const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8')) as Cache
    const config = JSON.stringify(JSON.parse(readFileSync(ETHREX_WRITTEN_HOODI_CONFIG, 'utf8')).witness.chainConfig)
    const parent = parentOf(cache)
    const tries = nestedTriesFromFlat(cache.witness.state.map(bytes), parent.stateRoot)
    expect(Object.keys(tries.storage_trie_roots).length).toBeGreaterThan(0)
    // ExecutionWitness @ ethrex e8f2e60d, fields in declaration order, no rename.
    const witness =
      `{"codes":[${cache.witness.codes.map(arr).join(',')}],"block_headers_bytes":[${cache.witness.headers.map(arr).join(',')}],` +
      `"first_block_number":${parent.number + 1},"chain_config":${config},` +
      `"state_trie_root":${JSON.stringify(tries.state_trie_root)},"storage_trie_roots":${JSON.stringify(tries.storage_trie_roots)}}`
    const work = `{"InputResponse":{"id":9,"input":{"blocks":[${JSON.stringify(cache.blocks[0])}],"execution_witness":${witness}},"format":"Groth16"}}`
    const submit = await proveOnce(work)
    expect(submit.id).toBe(9)
    const pv = Buffer.from(submit.proof.ProofWithPublicValues.public_values as number[])
    // ethrex's L1 public values: the parent's state root, the block's state root, its hash, chain id, tx count.
    expect(hex(pv.subarray(0, 32))).toBe(hex(parent.stateRoot))
    expect(hex(pv.subarray(32, 64))).toBe(cache.blocks[0].header.stateRoot)
    expect(pv.readUInt32BE(124)).toBe(560048)
    expect(pv.readUInt32BE(156)).toBe(cache.blocks[0].body.transactions.length)
    // The same values as the block proven straight from the cache file.
    expect(new Uint8Array(pv)).toEqual((await (await loadBackend('exec')).prove(encodeProgramInput(cacheFileToProgramInput(await readCacheFile(HOODI_CACHE))))).publicValues)
  }, 120_000)

  it('gives up a batch whose nested witness does not re-hash to the parent state root, and says where', async () => {
    const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8')) as Cache
    const config = JSON.stringify(JSON.parse(readFileSync(ETHREX_WRITTEN_HOODI_CONFIG, 'utf8')).witness.chainConfig)
    const parent = parentOf(cache)
    const tries = nestedTriesFromFlat(cache.witness.state.map(bytes), parent.stateRoot)
    // One byte of one account changed: the tree still parses, but no longer hashes to the parent's state root.
    const leaf = JSON.stringify(tries.state_trie_root).replace(/("Leaf":\{"partial":\{"data":\[[0-9,]+\],"already_consumed":\[\]\},"value":\[)(\d+)/, (_m, a, b) => `${a}${Number(b) ^ 1}`)
    const witness =
      `{"codes":[],"block_headers_bytes":[${cache.witness.headers.map(arr).join(',')}],"first_block_number":${parent.number + 1},` +
      `"chain_config":${config},"state_trie_root":${leaf},"storage_trie_roots":{}}`
    let requests = 0
    const coordinator = await scriptedServer(() =>
      ++requests === 1
        ? `{"InputResponse":{"id":4,"input":{"blocks":[${JSON.stringify(cache.blocks[0])}],"execution_witness":${witness}},"format":"Groth16"}}`
        : '{"InputResponse":{"id":null,"input":null,"format":null}}',
      cleanups,
    )
    const { logger, lines } = captureLog()
    const prover = new Prover({
      coordinators: [coordinator.address],
      backend: 'mock',
      proverType: 'Exec',
      version: 'e8f2e60',
      workers: 1,
      pollIntervalMs: 20,
      exitWhenIdle: true,
      logger,
      prove: async () => {
        throw new Error('must not be run')
      },
    })
    expect(await prover.run()).toMatchObject({ proven: 0, failed: 1 })
    const failure = lines.find((l) => l.reason === 'prove_failed')!
    expect(String(failure.err)).toMatch(/InputResponse\.input\.execution_witness\.state_trie_root: re-hashes to 0x[0-9a-f]{64}, but the parent header \(block \d+\) has state root/)
    expect(coordinator.received.some((t) => t.startsWith('{"ProofSubmit"'))).toBe(false)
  }, 60_000)
})

describe('a Tessera prover against a scripted ethrex L2 coordinator (nested ProverInputData)', () => {
  it('proves devnet batch 1 (privileged transactions) to the batch\'s public values', async () => {
    // The L2 InputResponse of ../fixtures/ethrex-wire (ethrex's serde, flat witness), its witness re-laid nested here.
    const flatText = readFileSync(resolve(REPO_ROOT, 'test/fixtures/ethrex-wire/input-response-l2-privileged.json'), 'utf8')
    const message = JSON.parse(flatText)
    const w = message.InputResponse.input.execution_witness
    const headers = (w.blockHeadersBytes as number[][]).map((h) => Uint8Array.from(h))
    const parentHeader = headers.map((h) => RLP.decode(h) as Uint8Array[]).find((f) => rlpNumber(f[8]) === w.firstBlockNumber - 1)!
    const tries = nestedTriesFromFlat((w.nodes as number[][]).map((n) => Uint8Array.from(n)), parentHeader[3])
    expect(tries.state_trie_root).not.toBeNull()
    message.InputResponse.input.execution_witness = {
      codes: w.codes,
      block_headers_bytes: w.blockHeadersBytes,
      first_block_number: w.firstBlockNumber,
      chain_config: w.chainConfig,
      ...tries,
    }
    const work = JSON.stringify(message)
    const submit = await proveOnce(work)
    const summary = JSON.parse(readFileSync(resolve(REPO_ROOT, 'fixtures/l2/meta/summary.json'), 'utf8')) as { batches: { publicValues: string }[] }
    expect(hex(Uint8Array.from(submit.proof.ProofWithPublicValues.public_values))).toBe(summary.batches[0].publicValues)
  }, 120_000)
})

describe('scripted ethrex provers against Tessera\'s coordinator (--accept-commit)', () => {
  it('serves accepted ethrex builds in the form named for each, and answers the others as ethrex does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-nested-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const store = new CoordinatorStore(join(dir, 'c.db'))
    cleanups.push(() => store.close())
    const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8')) as Cache
    const program = cacheFileToProgramInput(await readCacheFile(HOODI_CACHE))
    store.addBatches([1, 2].map((n) => ({ source: `hoodi${n}`, firstBlock: 1265656, lastBlock: 1265656, input: encodeProgramInput(program) })))
    const { logger } = captureLog()
    const coordinator = new Coordinator({
      store,
      version: '0.2.0',
      // As `--accept-commit e8f2e60d799bddac9527ecb71d7fe1abfede18fa,85ef3d3=flat` would give.
      acceptedCommits: parseAcceptedCommits(['e8f2e60d799bddac9527ecb71d7fe1abfede18fa,85ef3d3=flat'], 'nested'),
      requiredTypes: ['Exec'],
      proverTimeoutMs: 60_000,
      limits: { maxMessageBytes: 64 * 1024 * 1024, idleTimeoutMs: 2000, readDeadlineMs: 10_000, maxConnections: 100 },
      logger,
      derivePublicValues: async (input) => mockPublicValues(input),
    })
    const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    cleanups.push(() => coordinator.close())
    const request = async (commit: string) =>
      (await rawExchange(address.port, `{"InputRequest":{"commit_hash":"${commit}","prover_type":"Exec"}}`, { timeoutMs: 20_000 })).reply.toString('utf8')
    const parent = parentOf(cache)

    // An ethrex build not accepted: VersionMismatch, as ethrex's proof_coordinator answers a foreign commit_hash.
    expect(await request('0123abc')).toBe('"VersionMismatch"')

    // ethrex main (short SHA, as its build script emits it): the nested witness, re-hashing to the parent's root.
    const nested = JSON.parse(await request('e8f2e60')).InputResponse
    expect(nested.id).toBe(1)
    const w = nested.input.execution_witness
    expect(Object.keys(w)).toEqual(['codes', 'block_headers_bytes', 'first_block_number', 'chain_config', 'state_trie_root', 'storage_trie_roots'])
    const state = rehashNested(w.state_trie_root)
    expect(state.root).toBe(hex(parent.stateRoot))
    const keys = Object.keys(w.storage_trie_roots)
    expect(keys.length).toBeGreaterThan(0)
    expect([...keys].sort()).toEqual(keys) // BTreeMap order
    for (const key of keys) expect(rehashNested(w.storage_trie_roots[key]).root).toBe(state.accounts.get(key))

    // ethrex v6 (flat form): every node of the list form, the parent's state root among them.
    const flat = JSON.parse(await request('85ef3d3')).InputResponse
    expect(flat.id).toBe(2)
    const fw = flat.input.execution_witness
    expect(Object.keys(fw)).toEqual(['codes', 'blockHeadersBytes', 'firstBlockNumber', 'chainConfig', 'nodes', 'keys'])
    expect(fw.nodes.map((n: number[]) => hex(keccak_256(Uint8Array.from(n))))).toContain(hex(parent.stateRoot))

    // Nothing left: an accepted build counts as this coordinator's version, so it gets "nothing to prove".
    expect(await request('e8f2e60')).toBe('{"InputResponse":{"id":null,"input":null,"format":null}}')
    expect(await request('0123abc')).toBe('"VersionMismatch"')
  }, 120_000)

  it('parses --accept-commit lists and refuses unknown forms', () => {
    expect([...parseAcceptedCommits(['a1b2c3d=flat, e8f2e60', 'ffffffff'], 'nested')]).toEqual([
      ['a1b2c3d', 'flat'],
      ['e8f2e60', 'nested'],
      ['ffffffff', 'nested'],
    ])
    expect(() => parseAcceptedCommits(['a1b2c3d=rkyv'], 'nested')).toThrow(/--accept-commit a1b2c3d: expected one of nested, flat/)
    expect(() => parseAcceptedCommits(['=flat'], 'nested')).toThrow(/empty commit/)
  })
})
