import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { loadBackend, mockPublicValues } from '../src/backend/index.js'
import { Coordinator, type CoordinatorOptions } from '../src/coordinator/coordinator.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { Prover } from '../src/prover/prover.js'
import type { Address } from '../src/protocol/transport.js'
import { scriptedServer } from './support/scriptedPeer.js'
import { cacheFileToProgramInput, readCacheFile } from '../src/witness/cache.js'
import { captureLog, rawExchange, syntheticInput } from './support/coordinator-kit.js'
import { rehashNested } from './support/ethrexNested.js'
import { HOODI_CACHE, SHARED_FIXTURES } from './support/fixtures.js'

/**
 * Tessera against ethrex's protocol both ways, with the ethrex side scripted from its source
 * (test/fixtures/ethrex-wire/SOURCES.md): message texts are composed here as ethrex writes them, never by
 * Tessera's encoder, and Tessera's messages are checked as raw JSON text.
 */

/** A block ethrex-replay (ethrex's serde) wrote, and a Hoodi ChainConfig as ethrex's serde wrote it (Aug 2025). */
const ETHREX_WRITTEN_HOODI_CONFIG = resolve(SHARED_FIXTURES, 'real/ethrex-replay-2025/cache_hoodi_974567.json')

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const hexToArray = (hex: string) => JSON.stringify(Array.from(Buffer.from(hex.slice(2), 'hex')))

/** The InputResponse an ethrex L1 coordinator sends for the Hoodi cache block, composed field by field. */
function ethrexInputResponseText(id: number): { text: string; header: Record<string, string>; txCount: number } {
  const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8'))
  const hoodiConfig = JSON.stringify(JSON.parse(readFileSync(ETHREX_WRITTEN_HOODI_CONFIG, 'utf8')).witness.chainConfig)
  const w = cache.witness as { state: string[]; codes: string[]; keys: string[]; headers: string[] }
  const block = cache.blocks[0]
  const witness =
    `{"codes":[${w.codes.map(hexToArray).join(',')}],"blockHeadersBytes":[${w.headers.map(hexToArray).join(',')}],` +
    `"firstBlockNumber":${Number(BigInt(block.header.number))},"chainConfig":${hoodiConfig},` +
    `"nodes":[${w.state.map(hexToArray).join(',')}],"keys":[${w.keys.map(hexToArray).join(',')}]}`
  const text = `{"InputResponse":{"id":${id},"input":{"blocks":[${JSON.stringify(block)}],"execution_witness":${witness}},"format":"Compressed"}}`
  return { text, header: block.header, txCount: block.body.transactions.length }
}

/** The state root of the block's parent, read from the cache's RLP headers (ethrex-replay's witness). */
function parentStateRoot(cache: { blocks: { header: { parentHash: string } }[]; witness: { headers: string[] } }): string {
  for (const h of cache.witness.headers) {
    const bytes = Buffer.from(h.slice(2), 'hex')
    if (`0x${Buffer.from(keccak_256(bytes)).toString('hex')}` === cache.blocks[0].header.parentHash) {
      return `0x${Buffer.from((RLP.decode(bytes) as Uint8Array[])[3]).toString('hex')}`
    }
  }
  throw new Error('no parent header in the cache')
}

const u256 = (n: number) => Buffer.from(BigInt(n).toString(16).padStart(64, '0'), 'hex')

describe('a Tessera prover against a scripted ethrex coordinator', () => {
  it('goes InputRequest -> InputResponse -> ProofSubmit -> ProofSubmitACK on a real Hoodi block', async () => {
    const { text: work, header, txCount } = ethrexInputResponseText(41)
    // Only the first InputRequest gets work; later ones are answered "nothing to prove".
    let requests = 0
    const coordinator = await scriptedServer((request) => {
      const msg = JSON.parse(request)
      if ('InputRequest' in msg) return ++requests === 1 ? work : '{"InputResponse":{"id":null,"input":null,"format":null}}'
      if ('ProofSubmit' in msg) return `{"ProofSubmitACK":{"id":${msg.ProofSubmit.id}}}`
      return ''
    }, cleanups)
    let served = false
    const exec = await loadBackend('exec')
    const { logger, lines } = captureLog()
    const prover = new Prover({
      coordinators: [coordinator.address],
      backend: 'exec',
      proverType: 'Exec',
      version: 'a1b2c3d',
      workers: 1,
      pollIntervalMs: 20,
      exitWhenIdle: true,
      logger,
      prove: async (_backend, input) => {
        served = true
        return exec.prove(input)
      },
    })
    const original = coordinator.received
    const summary = await prover.run()
    expect(served).toBe(true)
    expect(summary).toMatchObject({ reason: 'idle', proven: 1, failed: 0 })

    const [request] = original
    expect(request).toMatch(/^\{"InputRequest":\{"commit_hash":"a1b2c3d","prover_type":"Exec","prover_id":"[0-9a-f]{16}"\}\}$/)
    const submit = original.find((t) => t.startsWith('{"ProofSubmit"'))!
    const body = JSON.parse(submit).ProofSubmit
    // ethrex's fields in ethrex's order; Tessera's prover_id after them (ignored by ethrex's serde).
    expect(Object.keys(body)).toEqual(['id', 'proof', 'prover_id'])
    expect(body.id).toBe(41)
    const output = body.proof.ProofWithPublicValues
    expect(Object.keys(output)).toEqual(['proof_bytes', 'public_values'])
    expect(output.proof_bytes.prover_type).toBe('Exec')
    // The public values, checked against the block itself: ethrex's L1 layout of 160 bytes.
    const pv = Buffer.from(output.public_values as number[])
    expect(pv).toHaveLength(160)
    expect(`0x${pv.subarray(32, 64).toString('hex')}`).toBe(header.stateRoot)
    const rlpHeader = (RLP.decode(cacheFileToProgramInput(await readCacheFile(HOODI_CACHE)).blocks[0]) as Uint8Array[][])[0]
    expect(pv.subarray(64, 96)).toEqual(Buffer.from(keccak_256(RLP.encode(rlpHeader))))
    expect(pv.subarray(96, 128)).toEqual(u256(560048))
    expect(pv.subarray(128, 160)).toEqual(u256(txCount))
    expect(lines.some((l) => l.msg === 'proof accepted')).toBe(true)
  }, 60_000)

  it('waits on VersionMismatch and stops asking a coordinator that answers ProverTypeNotNeeded', async () => {
    const mismatch = await scriptedServer(() => '"VersionMismatch"', cleanups)
    const notNeeded = await scriptedServer(() => '{"ProverTypeNotNeeded":{"prover_type":"Exec"}}', cleanups)
    const { logger, lines } = captureLog()
    const prover = new Prover({
      coordinators: [mismatch.address, notNeeded.address],
      backend: 'mock',
      proverType: 'Exec',
      version: 'old',
      workers: 1,
      pollIntervalMs: 20,
      exitWhenIdle: true,
      logger,
      prove: async () => {
        throw new Error('nothing should be proven')
      },
    })
    expect(await prover.run()).toMatchObject({ reason: 'idle', proven: 0, failed: 0 })
    expect(notNeeded.received).toHaveLength(1)
    expect(lines.map((l) => l.msg).join('\n')).toMatch(/VersionMismatch[\s\S]*does not need Exec proofs|does not need Exec proofs[\s\S]*VersionMismatch/)
  }, 30_000)
})

// ---------- a scripted ethrex prover against Tessera's coordinator ----------

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ethrex-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function startCoordinator(store: CoordinatorStore, over: Partial<CoordinatorOptions> = {}) {
  const { logger, lines } = captureLog()
  const coordinator = new Coordinator({
    store,
    version: 'v2',
    requiredTypes: ['Exec', 'SP1'],
    proverTimeoutMs: 60_000,
    limits: { maxMessageBytes: 64 * 1024 * 1024, idleTimeoutMs: 2000, readDeadlineMs: 10_000, maxConnections: 100 },
    logger,
    derivePublicValues: async (input) => mockPublicValues(input),
    ...over,
  })
  const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(() => coordinator.close())
  return { coordinator, address, lines }
}

const exchange = async (a: Address, text: string) => (await rawExchange(a.port, text, { timeoutMs: 10_000 })).reply.toString('utf8')

/** Tessera's explicit refusal (src/protocol/refusal.ts; an ethrex prover reads it as a failed exchange, as a closed connection). */
const refusal = (reason: string) => new RegExp(`^\\{"Refused":\\{"reason":"${reason}"`)

describe('a scripted ethrex prover against Tessera\'s coordinator', () => {
  it('goes InputRequest -> InputResponse -> ProofSubmit -> ProofSubmitACK; the Exec proof is stored as unchecked (on trust only)', async () => {
    const store = new CoordinatorStore(join(tempDir(), 'c.db'))
    cleanups.push(() => store.close())
    const cache = await readCacheFile(HOODI_CACHE)
    const program = cacheFileToProgramInput(cache)
    store.addBatches([{ source: 'hoodi', firstBlock: 1265656, lastBlock: 1265656, input: encodeProgramInput(program) }])
    // ethrex's Exec form carries nothing to check: this dev path needs the operator's opt-in (--trust-unverified).
    const { address } = await startCoordinator(store, { trustUnverified: true })

    expect(await exchange(address, '{"ProverSetup":{"prover_type":"Exec","payload":[]}}')).toBe('"ProverSetupACK"')
    expect(await exchange(address, '{"InputRequest":{"commit_hash":"v2","prover_type":"RISC0"}}')).toBe('{"ProverTypeNotNeeded":{"prover_type":"RISC0"}}')
    expect(await exchange(address, '{"InputRequest":{"commit_hash":"v1","prover_type":"Exec"}}')).toBe('"VersionMismatch"')

    const reply = await exchange(address, '{"InputRequest":{"commit_hash":"v2","prover_type":"Exec"}}')
    const response = JSON.parse(reply).InputResponse
    expect(Object.keys(response)).toEqual(['id', 'input', 'format'])
    expect(response.id).toBe(1)
    expect(response.format).toBe('Groth16')
    expect(Object.keys(response.input)).toEqual(['blocks', 'execution_witness'])
    // The block goes out in ethrex's own Block JSON: the header is the one ethrex-replay (ethrex's serde) wrote.
    const ethrexHeader = (cache.blocks[0].header as Record<string, unknown>)
    const { hash: _h, ...expectedHeader } = ethrexHeader
    expect(response.input.blocks[0].header).toEqual(expectedHeader)
    expect(Object.keys(response.input.blocks[0].header)).toEqual(Object.keys(expectedHeader))
    expect(response.input.blocks[0].body.transactions).toHaveLength(cache.blocks[0].body.transactions.length)
    // Served in ethrex's current (nested) form by default; the scripted prover re-hashes it as ethrex's guest would.
    const w = response.input.execution_witness
    expect(Object.keys(w)).toEqual(['codes', 'block_headers_bytes', 'first_block_number', 'chain_config', 'state_trie_root', 'storage_trie_roots'])
    expect(w.first_block_number).toBe(1265656)
    expect(rehashNested(w.state_trie_root).root).toBe(parentStateRoot(cache))
    expect(w.chain_config).toMatchObject({ chainId: 560048, pragueTime: 1742999832, depositContractAddress: '0x00000000219ab540356cbb839cbe05303d7705fa' })

    expect(await exchange(address, '{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"Exec","proof":[0]}}}}')).toBe('{"ProofSubmitACK":{"id":1}}')
    expect(store.proof(1, 'Exec')).toMatchObject({ proof: Uint8Array.of(0), publicValues: new Uint8Array(0), checked: 'nothing' })
    // Sent again (ethrex's prover retries): acknowledged, nothing changes.
    expect(await exchange(address, '{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"Exec","proof":[0]}}}}')).toBe('{"ProofSubmitACK":{"id":1}}')
    expect(await exchange(address, '{"InputRequest":{"commit_hash":"v2","prover_type":"Exec"}}')).toBe('{"InputResponse":{"id":null,"input":null,"format":null}}')
  }, 60_000)

  it('checks public values when sent, asks the prover type\'s verifier, and refuses what it cannot check', async () => {
    const store = new CoordinatorStore(join(tempDir(), 'c.db'))
    cleanups.push(() => store.close())
    store.addBatches([1, 2, 3].map((n) => ({ source: `s${n}`, firstBlock: n, lastBlock: n, input: encodeProgramInput(syntheticInput(n)) })))
    const calls: { proof: number[]; publicValues: Uint8Array }[] = []
    const { address } = await startCoordinator(store, {
      verifyProof: {
        RISC0: async (proof, publicValues) => {
          calls.push({ proof: Array.from(proof), publicValues })
          return proof[0] === 7
        },
      },
      requiredTypes: ['Exec', 'SP1', 'RISC0'],
    })
    const right = (n: number) => JSON.stringify(Array.from(mockPublicValues(encodeProgramInput(syntheticInput(n)))))
    for (const t of ['SP1', 'RISC0']) await exchange(address, `{"InputRequest":{"commit_hash":"v2","prover_type":"${t}"}}`)

    // SP1 without public values and without an SP1 verifier: nothing could be checked, so it is refused.
    expect(await exchange(address, '{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"SP1","proof":[1]}}}}')).toMatch(refusal('unverifiable'))
    expect(store.proof(1, 'SP1')).toBeUndefined()
    // Right public values do not make SP1 proof bytes checkable: still refused without --trust-unverified.
    expect(
      await exchange(address, `{"ProofSubmit":{"id":1,"proof":{"ProofWithPublicValues":{"proof_bytes":{"prover_type":"SP1","proof":[1]},"public_values":${right(1)}}}}}`),
    ).toMatch(refusal('unverifiable'))
    // ethrex's Exec form (no public values) without --trust-unverified: refused, nothing stored.
    await exchange(address, '{"InputRequest":{"commit_hash":"v2","prover_type":"Exec"}}')
    expect(await exchange(address, '{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"Exec","proof":[0]}}}}')).toMatch(refusal('unverifiable'))
    expect(store.proof(1, 'Exec')).toBeUndefined()
    // Tessera's Exec form: the public values are what is checked.
    await exchange(address, '{"InputRequest":{"commit_hash":"v2","prover_type":"Exec"}}')
    expect(
      await exchange(address, `{"ProofSubmit":{"id":1,"proof":{"ProofWithPublicValues":{"proof_bytes":{"prover_type":"Exec","proof":[]},"public_values":${right(1)}}}}}`),
    ).toBe('{"ProofSubmitACK":{"id":1}}')
    expect(store.proof(1, 'Exec')?.checked).toBe('public_values')
    // RISC0 Groth16 form (no public values): the verifier gets the re-derived ones; a bad seal is refused.
    expect(await exchange(address, '{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"RISC0","proof":[6]}}}}')).toMatch(refusal('invalid_proof'))
    expect(await exchange(address, '{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"RISC0","proof":[7]}}}}')).toBe('{"ProofSubmitACK":{"id":1}}')
    expect(calls.map((c) => c.proof[0])).toEqual([6, 7])
    expect(calls[1].publicValues).toEqual(mockPublicValues(encodeProgramInput(syntheticInput(1))))
    expect(store.proof(1, 'RISC0')?.checked).toBe('proof')
    // TDX key registration needs ethrex's L1 contract: refused, not faked.
    expect(await exchange(address, '{"ProverSetup":{"prover_type":"TDX","payload":[1]}}')).toMatch(refusal('setup_unsupported'))
  }, 30_000)

  it('answers a Tessera 0.1 prover in its own dialect', async () => {
    const store = new CoordinatorStore(join(tempDir(), 'c.db'))
    cleanups.push(() => store.close())
    store.addBatches([{ source: 's1', firstBlock: 1, lastBlock: 1, input: encodeProgramInput(syntheticInput(1)) }])
    const { address } = await startCoordinator(store)
    const reply = await exchange(address, '{"BatchRequest":{"commit_hash":"v2","prover_type":"Exec"}}')
    expect(reply).toMatch(/^\{"BatchResponse":\{"batch_number":1,"input":\{"blocks":\["0x[0-9a-f]+"\],"witness":\{/)
    const pv = Buffer.from(mockPublicValues(encodeProgramInput(syntheticInput(1)))).toString('hex')
    expect(
      await exchange(address, `{"ProofSubmit":{"batch_number":1,"batch_proof":{"ProofBytes":{"prover_type":"Exec","proof":"0x","public_values":"0x${pv}"}}}}`),
    ).toBe('{"ProofSubmitACK":{"batch_number":1}}')
    expect(await exchange(address, '{"BatchRequest":{"commit_hash":"v1","prover_type":"Exec"}}')).toBe('"VersionMismatch"')
  }, 30_000)
})

describe('versioning like ethrex', () => {
  it('gives each prover the batches made for its version; VersionMismatch only when none are left and it is not ours', async () => {
    const db = join(tempDir(), 'c.db')
    const store = new CoordinatorStore(db)
    cleanups.push(() => store.close())
    store.addBatches([1, 2].map((n) => ({ source: `s${n}`, firstBlock: n, lastBlock: n, input: encodeProgramInput(syntheticInput(n)) })))
    const first = await startCoordinator(store, { version: 'v1' })
    const request = (a: Address, v: string) => exchange(a, `{"InputRequest":{"commit_hash":"${v}","prover_type":"Exec"}}`)
    expect(JSON.parse(await request(first.address, 'v1')).InputResponse.id).toBe(1) // batches 1 and 2 are now v1's
    await first.coordinator.close()

    // Upgraded coordinator: new batches are made for v2; v1 provers may still finish v1's batches.
    store.addBatches([{ source: 's3', firstBlock: 3, lastBlock: 3, input: encodeProgramInput(syntheticInput(3)) }])
    const second = await startCoordinator(store, { version: 'v2' })
    expect(JSON.parse(await request(second.address, 'v2')).InputResponse.id).toBe(3)
    expect(JSON.parse(await request(second.address, 'v1')).InputResponse.id).toBe(2)
    expect(await request(second.address, 'v1')).toBe('"VersionMismatch"')
    expect(await request(second.address, 'v2')).toBe('{"InputResponse":{"id":null,"input":null,"format":null}}')
    expect(await request(second.address, 'v0')).toBe('"VersionMismatch"')
  }, 30_000)
})
