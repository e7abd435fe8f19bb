import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHex } from 'viem'
import { execBackend, executePublicValues } from '../src/backend/exec.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { loadDirectory } from '../src/coordinator/source.js'
import { l2CacheFileToInput } from '../src/l2/cache.js'
import { encodeL2ProgramInput } from '../guest/l2/input.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { Prover } from '../src/prover/prover.js'
import { captureLog, rawExchange } from './support/coordinator-kit.js'
import { REPO_ROOT } from './support/fixtures.js'

const L2_DIR = resolve(REPO_ROOT, 'fixtures/l2')
const summary = JSON.parse(readFileSync(join(L2_DIR, 'meta/summary.json'), 'utf8')) as { batches: { publicValues: string }[] }
const cleanups: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

function l2Coordinator(store: CoordinatorStore, trustUnverified = false): Coordinator {
  return new Coordinator({
    store,
    version: 'v',
    requiredTypes: ['Exec'],
    proverTimeoutMs: 60_000,
    limits: { maxMessageBytes: 16 << 20, idleTimeoutMs: 5000, readDeadlineMs: 10_000, maxConnections: 100 },
    logger: captureLog('silent').logger,
    derivePublicValues: (input) => executePublicValues(input),
    trustUnverified,
  })
}

describe('coordinator --source fixtures/l2: L2 batches served to a Tessera prover (exec backend)', () => {
  it('loads the cache_batch files, serves them, and stores proofs whose public values are the L2 guest\'s', async () => {
    const store = new CoordinatorStore(':memory:')
    expect(await loadDirectory(L2_DIR, store)).toEqual([1, 2, 3])
    expect([1, 2, 3].map((n) => store.batch(n)!.source)).toEqual(['cache_batch_1.json', 'cache_batch_2.json', 'cache_batch_3.json'])
    expect(store.batch(2)).toMatchObject({ firstBlock: 3, lastBlock: 4 })
    const coordinator = l2Coordinator(store)
    const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    cleanups.push(async () => {
      await coordinator.close()
      store.close()
    })
    const proverLog = captureLog('info')
    const prover = new Prover({
      coordinators: [address],
      backend: 'exec',
      proverType: 'Exec',
      version: 'v',
      workers: 1,
      pollIntervalMs: 20,
      logger: proverLog.logger,
      exitWhenIdle: true,
      prove: (_name, input) => execBackend.prove(input),
    })
    expect(await prover.run(), JSON.stringify(proverLog.lines.slice(-5))).toMatchObject({ reason: 'idle', proven: 3, failed: 0 })
    // Each batch travelled as ethrex's L2 ProverInputData (form 'l2'), not Tessera's cache shape.
    expect(proverLog.lines.filter((l) => l.msg === 'proving batch').map((l) => l.input)).toEqual(['l2', 'l2', 'l2'])
    for (const n of [1, 2, 3]) {
      const proof = store.proof(n, 'Exec')!
      expect(proof.publicValues.length).toBe(256)
      expect(bytesToHex(proof.publicValues)).toBe(summary.batches[n - 1].publicValues)
      // What `tessera replay file` runs on the cache file (src/l2/replayFile.ts: l2CacheFileToInput -> L2 guest).
      const cacheJson = JSON.parse(readFileSync(join(L2_DIR, `cache_batch_${n}.json`), 'utf8'))
      expect(proof.publicValues).toEqual(await executePublicValues(encodeL2ProgramInput(l2CacheFileToInput(cacheJson))))
    }
  }, 120_000)

  it('serves a scripted ethrex prover ethrex\'s L2 ProverInputData (privileged transactions in ethrex\'s serde form) and takes its Exec proof', async () => {
    const store = new CoordinatorStore(':memory:')
    await loadDirectory(L2_DIR, store)
    // ethrex's Exec form carries nothing to check: taken only with the operator's opt-in (--trust-unverified).
    const coordinator = l2Coordinator(store, true)
    const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    cleanups.push(async () => {
      await coordinator.close()
      store.close()
    })
    const exchange = async (text: string) => (await rawExchange(address.port, text, { timeoutMs: 20_000 })).reply.toString('utf8')
    // Composed as ethrex's prover writes it (test/fixtures/ethrex-wire/input-request.json layout).
    const reply = JSON.parse(await exchange('{"InputRequest":{"commit_hash":"v","prover_type":"Exec"}}')).InputResponse
    expect(reply.id).toBe(1)
    expect(Object.keys(reply.input)).toEqual(['blocks', 'execution_witness', 'elasticity_multiplier', 'blob_commitment', 'blob_proof', 'fee_configs'])
    // Batch 1's blocks, exactly as the hand-written ethrex golden message lays them out.
    const golden = JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/ethrex-wire/input-response-l2-privileged.json'), 'utf8')).InputResponse.input
    expect(JSON.stringify(reply.input.blocks)).toBe(JSON.stringify(golden.blocks))
    expect(reply.input.blocks[0].body.transactions[0]).toMatchObject({ type: '0x7e', from: '0x000000000000000000000000000000000000ffff' })
    expect(reply.input.fee_configs).toEqual(golden.fee_configs)
    expect(reply.input.blob_commitment).toEqual(golden.blob_commitment)
    expect(await exchange('{"ProofSubmit":{"id":1,"proof":{"Proof":{"prover_type":"Exec","proof":[0]}}}}')).toBe('{"ProofSubmitACK":{"id":1}}')
    expect(store.proof(1, 'Exec')).toMatchObject({ proof: Uint8Array.of(0), checked: 'nothing' })
  }, 60_000)
})
