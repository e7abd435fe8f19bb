import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeProgramInput } from '../guest/input.js'
import { decodePublicValues } from '../guest/output.js'
import { mockPublicValues } from '../src/backend/index.js'
import { Coordinator } from '../src/coordinator/coordinator.js'
import { CoordinatorStore } from '../src/coordinator/store.js'
import { captureLog, freePort, runCli, syntheticInput, type CliProcess } from './support/coordinator-kit.js'
import { programInputToJson } from '../src/protocol/input.js'
import type { Address } from '../src/protocol/transport.js'
import { Prover } from '../src/prover/prover.js'
import { HOODI_CACHE } from './support/fixtures.js'

/**
 * Prover tests. The fault tests run the real CLI (`node dist/src/cli/main.js`, built by `npm test`'s tsc)
 * as separate processes on 127.0.0.1, with the test-only mock backend (TESSERA_TEST_BACKENDS=1) so batches
 * are synthetic and proving time is set by TESSERA_MOCK_DELAY_MS.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-prover-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A source directory with `count` synthetic batches in ProgramInput wire form (written out of order on purpose). */
function batchDir(count: number): string {
  const dir = tempDir()
  for (let i = count; i >= 1; i--) writeFileSync(join(dir, `batch-${String(100 - i)}.json`), JSON.stringify(programInputToJson(syntheticInput(1000 + i))))
  return dir
}

function cli(args: string[], env: Record<string, string> = {}): CliProcess {
  const p = runCli(args, env)
  cleanups.push(async () => {
    p.kill('SIGKILL')
    await p.exited
  })
  return p
}

function coordinatorArgs(source: string, db: string, port: number, extra: string[] = []): string[] {
  return [
    'coordinator', '--listen', `127.0.0.1:${port}`, '--source', source, '--db', db, '--commit-hash', 'test-1',
    '--exec-verifier', 'mock', '--read-timeout', '2000', '--source-poll-interval', '0', ...extra,
  ]
}

function proverArgs(port: number | number[], extra: string[] = []): string[] {
  const ports = Array.isArray(port) ? port : [port]
  return ['prover', '--proof-coordinators', ports.map((p) => `tcp://127.0.0.1:${p}`).join(','), '--backend', 'mock', '--commit-hash', 'test-1', '--poll-interval', '100', ...extra]
}

/** Proofs stored in the coordinator's database (read through SQLite while it runs). */
function storedProofs(db: string, count: number): { proven: number[]; times: number[] } {
  const store = new CoordinatorStore(db)
  try {
    const proven: number[] = []
    const times: number[] = []
    for (let b = 1; b <= count; b++) {
      const p = store.proof(b, 'Exec')
      if (p) {
        expect(p.publicValues).toEqual(mockPublicValues(store.batch(b)!.input))
        proven.push(b)
      }
      times.push(store.assignment(b, 'Exec')?.timesAssigned ?? 0)
    }
    return { proven, times }
  } finally {
    store.close()
  }
}

/** True when nothing listens on 127.0.0.1:`port` any more (the connection is refused). */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'))
  })
}

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('prover and coordinator processes', () => {
  it('two provers with two workers each prove every batch of a directory exactly once', async () => {
    const n = 8
    const dir = batchDir(n)
    const db = join(tempDir(), 'c.db')
    const port = await freePort()
    const c = cli(coordinatorArgs(dir, db, port))
    await c.waitFor(/coordinator listening/)
    const env = { TESSERA_MOCK_DELAY_MS: '150' }
    const p1 = cli(proverArgs(port, ['--workers', '2', '--exit-when-idle']), env)
    const p2 = cli(proverArgs(port, ['--workers', '2', '--exit-when-idle']), env)
    expect(await p1.exited).toBe(0)
    expect(await p2.exited).toBe(0)
    const { proven, times } = storedProofs(db, n)
    expect(proven).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(times.every((t) => t === 1)).toBe(true)
    // Batches are numbered by first block, not by file name.
    const store = new CoordinatorStore(db)
    expect(store.batch(1)?.firstBlock).toBe(1001)
    store.close()
    const summaries = [...p1.lines, ...p2.lines].filter((l) => /proven, \d+ failed/.test(l))
    expect(summaries).toHaveLength(2)
  }, 90_000)

  it('a prover killed mid-batch: the batch is reassigned after the timeout and proven by another prover', async () => {
    const n = 3
    const dir = batchDir(n)
    const db = join(tempDir(), 'c.db')
    const port = await freePort()
    const c = cli(coordinatorArgs(dir, db, port, ['--prover-timeout', '1500']))
    await c.waitFor(/coordinator listening/)
    const doomed = cli(proverArgs(port, ['--workers', '1']), { TESSERA_MOCK_DELAY_MS: '600000' })
    await doomed.waitFor(/proving batch/)
    doomed.kill('SIGKILL')
    await doomed.exited
    const rescuer = cli(proverArgs(port, ['--workers', '1']), { TESSERA_MOCK_DELAY_MS: '50' })
    await until('all batches proven', () => storedProofs(db, n).proven.length === n)
    const { times } = storedProofs(db, n)
    expect(times[0]).toBe(2) // batch 1: the killed prover's, handed out again
    await c.waitFor(/batch reassigned/)
    rescuer.kill('SIGTERM')
    expect(await rescuer.exited).toBe(0)
  }, 90_000)

  it('a coordinator killed and restarted: no proof lost, the prover resumes against it', async () => {
    const n = 10
    const dir = batchDir(n)
    const db = join(tempDir(), 'c.db')
    const port = await freePort()
    const c1 = cli(coordinatorArgs(dir, db, port, ['--prover-timeout', '3000']))
    await c1.waitFor(/coordinator listening/)
    const prover = cli(proverArgs(port, ['--workers', '2']), { TESSERA_MOCK_DELAY_MS: '200' })
    await until('some proofs', () => c1.lines.filter((l) => /proof accepted/.test(l)).length >= 3)
    c1.kill('SIGKILL')
    await c1.exited
    // The SIGKILL must take the listener with it. A coordinator that re-executes itself (V8 flags) leaves an
    // orphaned child serving the port: the prover then keeps hearing "nothing to prove" and never notices.
    expect(await connectionRefused(port)).toBe(true)
    const before = storedProofs(db, n).proven
    expect(before.length).toBeGreaterThanOrEqual(3)
    await prover.waitFor(/coordinator unreachable|proof submission failed/)
    const c2 = cli(coordinatorArgs(dir, db, port, ['--prover-timeout', '3000']))
    await c2.waitFor(/coordinator listening/)
    await c2.waitFor(/"added":0,"total":10/) // the directory is not loaded twice
    await until('all batches proven after the restart', () => storedProofs(db, n).proven.length === n)
    expect(storedProofs(db, n).proven).toEqual(expect.arrayContaining(before))
    prover.kill('SIGTERM')
    expect(await prover.exited).toBe(0)
    c2.kill('SIGTERM')
    expect(await c2.exited).toBe(0)
  }, 120_000)

  it('answers ProverTypeNotNeeded and VersionMismatch; the prover exits or waits with a clear message', async () => {
    const dir = batchDir(1)
    const port = await freePort()
    const c = cli(coordinatorArgs(dir, join(tempDir(), 'c.db'), port, ['--required-types', 'SP1']))
    await c.waitFor(/coordinator listening/)
    const notNeeded = cli(proverArgs(port))
    expect(await notNeeded.exited).toBe(3)
    expect(notNeeded.lines.join('\n')).toMatch(/does not need Exec proofs/)
    // As in ethrex, the prover type is checked before the version: ask a coordinator that wants Exec proofs.
    const port2 = await freePort()
    const c2 = cli(coordinatorArgs(dir, join(tempDir(), 'c2.db'), port2))
    await c2.waitFor(/coordinator listening/)
    const old = cli(['prover', '--proof-coordinators', `127.0.0.1:${port2}`, '--backend', 'mock', '--commit-hash', 'old', '--exit-when-idle', '--poll-interval', '100'])
    expect(await old.exited).toBe(0)
    expect(old.lines.join('\n')).toMatch(/VersionMismatch/)
  }, 60_000)

  it('reports sp1 and risc0 as unavailable instead of faking them', async () => {
    for (const backend of ['sp1', 'risc0']) {
      const p = cli(['prover', '--backend', backend, '--proof-coordinators', 'tcp://127.0.0.1:1'])
      expect(await p.exited).toBe(2)
      expect(p.lines.join('\n')).toMatch(new RegExp(`backend ${backend} is not available`))
    }
  }, 60_000)

  it('refuses to start on --source rpc without --rpc-url, and on a missing directory', async () => {
    const a = cli(['coordinator', '--source', 'rpc', '--db', join(tempDir(), 'c.db'), '--listen', '127.0.0.1:0'])
    expect(await a.exited).toBe(1)
    expect(a.lines.join('\n')).toMatch(/--rpc-url/)
    const b = cli(['coordinator', '--source', '/nonexistent/dir', '--db', join(tempDir(), 'c.db'), '--listen', '127.0.0.1:0'])
    expect(await b.exited).toBe(1)
    expect(b.lines.join('\n')).toMatch(/not a directory/)
  }, 60_000)
})


describe('end to end with the exec backend', () => {
  it('proves a real ethrex-replay cache file; the coordinator re-executes it to check the public values', async () => {
    const dir = tempDir()
    copyFileSync(HOODI_CACHE, join(dir, 'cache_hoodi_1265656.json'))
    const db = join(tempDir(), 'c.db')
    const port = await freePort()
    const c = cli(['coordinator', '--listen', `127.0.0.1:${port}`, '--source', dir, '--db', db, '--commit-hash', 'e2e', '--source-poll-interval', '0'])
    await c.waitFor(/coordinator listening/, 60_000)
    const p = cli(['prover', '--proof-coordinators', `tcp://127.0.0.1:${port}`, '--backend', 'exec', '--workers', '1', '--commit-hash', 'e2e', '--exit-when-idle', '--poll-interval', '200'])
    expect(await p.exited).toBe(0)
    expect(p.lines.join('\n')).toMatch(/1 proven, 0 failed/)
    const store = new CoordinatorStore(db)
    try {
      const proof = store.proof(1, 'Exec')!
      expect(proof.proof.length).toBe(0)
      expect(store.expectedPublicValues(1)).toEqual(proof.publicValues)
      const out = decodePublicValues(proof.publicValues)
      expect(out.chainId).toBe(560048n)
      expect(store.batch(1)!.firstBlock).toBe(1265656)
    } finally {
      store.close()
    }
  }, 180_000)
})

const DEVNET = new URL('../fixtures/devnet', import.meta.url).pathname

describe('bundled devnet batches', () => {
  it('a coordinator over the devnet cache files and two exec provers with 2 workers each prove every batch', async () => {
    const db = join(tempDir(), 'c.db')
    const port = await freePort()
    const c = cli(['coordinator', '--listen', `127.0.0.1:${port}`, '--source', DEVNET, '--db', db, '--commit-hash', 'devnet', '--source-poll-interval', '0'])
    await c.waitFor(/coordinator listening/, 60_000)
    const args = ['prover', '--proof-coordinators', `tcp://127.0.0.1:${port}`, '--backend', 'exec', '--workers', '2', '--commit-hash', 'devnet', '--exit-when-idle', '--poll-interval', '200']
    const p1 = cli(args)
    const p2 = cli(args)
    expect(await p1.exited).toBe(0)
    expect(await p2.exited).toBe(0)
    const store = new CoordinatorStore(db)
    try {
      const { total, proven } = store.counts(['Exec'], 600_000)
      expect(total).toBeGreaterThan(0)
      expect(proven.Exec).toBe(total)
      for (let b = 1; b <= total; b++) expect(store.proof(b, 'Exec')!.publicValues).toEqual(store.expectedPublicValues(b))
      for (let b = 2; b <= total; b++) expect(store.batch(b)!.firstBlock).toBe(store.batch(b - 1)!.lastBlock + 1)
    } finally {
      store.close()
    }
  }, 240_000)
})

describe('prover client', () => {
  async function coordinatorWith(batches: number, from: number): Promise<{ address: Address; store: CoordinatorStore }> {
    const store = new CoordinatorStore(':memory:')
    store.addBatches(
      Array.from({ length: batches }, (_, i) => ({
        source: `s${from + i}`,
        firstBlock: from + i,
        lastBlock: from + i,
        input: encodeProgramInput(syntheticInput(from + i)),
      })),
    )
    const coordinator = new Coordinator({
      store,
      version: 'v',
      requiredTypes: ['Exec'],
      proverTimeoutMs: 60_000,
      limits: { maxMessageBytes: 1 << 20, idleTimeoutMs: 2000, readDeadlineMs: 5000, maxConnections: 100 },
      logger: captureLog('silent').logger,
      derivePublicValues: async (input) => mockPublicValues(input),
    })
    const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    cleanups.push(async () => {
      await coordinator.close()
      store.close()
    })
    return { address, store }
  }

  it('keeps --workers batches in flight across several coordinators, skips one that vanished, and does not call it idle', async () => {
    const a = await coordinatorWith(4, 10)
    const b = await coordinatorWith(4, 20)
    const dead = { host: '127.0.0.1', port: await freePort() }
    let inFlight = 0
    let maxInFlight = 0
    const release: (() => void)[] = []
    const { logger, lines } = captureLog()
    const prover = new Prover({
      coordinators: [a.address, dead, b.address],
      backend: 'mock',
      proverType: 'Exec',
      version: 'v',
      workers: 3,
      pollIntervalMs: 20,
      maxBackoffMs: 200,
      logger,
      exitWhenIdle: true,
      prove: async (_name, input) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise<void>((r) => release.push(r))
        inFlight--
        return { proof: new Uint8Array(0), publicValues: mockPublicValues(input) }
      },
    })
    const done = prover.run()
    // Nothing is released until three proofs run at once: the prover must fetch ahead, not one at a time.
    await until('three batches in flight', () => inFlight === 3, 20_000)
    const releaser = setInterval(() => release.shift()?.(), 10)
    let finished = false
    void done.then(() => (finished = true))
    const all = () => [1, 2, 3, 4].every((i) => a.store.proof(i, 'Exec') && b.store.proof(i, 'Exec'))
    await until('all 8 proven', all, 20_000)
    // Two coordinators said "nothing to prove", but the third never answered: --exit-when-idle must not exit.
    await until('both live coordinators polled idle', () => lines.filter((l) => l.msg === 'coordinator unreachable or not answering').length >= 1, 5000)
    await new Promise((r) => setTimeout(r, 300))
    expect(finished).toBe(false)
    prover.stop()
    const summary = await done
    clearInterval(releaser)
    expect(maxInFlight).toBe(3)
    expect(summary).toEqual({ reason: 'stopped', proven: 8, failed: 0, unsent: 0, notPersisted: 0 })
  }, 60_000)

  it('gives up a proof the coordinator refuses and reports it failed', async () => {
    const a = await coordinatorWith(1, 1)
    const prover = new Prover({
      coordinators: [a.address],
      backend: 'mock',
      proverType: 'Exec',
      version: 'v',
      workers: 1,
      pollIntervalMs: 10,
      maxBackoffMs: 20,
      logger: captureLog('silent').logger,
      exitWhenIdle: true,
      prove: async () => ({ proof: new Uint8Array(0), publicValues: new Uint8Array(160) }),
    })
    expect(await prover.run()).toEqual({ reason: 'idle', proven: 0, failed: 1, unsent: 0, notPersisted: 0 })
    expect(a.store.proof(1, 'Exec')).toBeUndefined()
  }, 30_000)
})
