import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mockPublicValues } from '../src/backend/index.js'
import { BudgetExceeded, declaredGas, parseTimeBudget, withTimeBudget } from '../src/budget/budget.js'
import { programInputToJson } from '../src/protocol/input.js'
import { Refused } from '../src/protocol/refusal.js'
import { Prover } from '../src/prover/prover.js'
import { captureLog, freePort, runCli, syntheticInput } from './support/coordinator-kit.js'
import { EF_BLOCKCHAIN_TESTS, HOODI_CACHE } from './support/fixtures.js'
import { gassyInput, onCleanup, rejection, request, startCoordinator, submit, tempDir, until, valuesOf } from './support/reliability-kit.js'

/**
 * Issue 13, item 7: per-batch gas and wall-time budgets (over budget = that batch fails by name, the run goes
 * on) in prover, coordinator, replay and conformance; the first SIGINT/SIGTERM drains and prints a summary, a
 * second exits at once; conformance prints progress when not on a terminal.
 */

function cli(args: string[], env: Record<string, string> = {}) {
  const p = runCli(args, env)
  onCleanup(async () => {
    p.kill('SIGKILL')
    await p.exited
  })
  return p
}

describe('budgets', () => {
  it('the prover skips a batch over its gas budget and stops one over its time budget; the next batches are proven', async () => {
    const inputs = [gassyInput(1, 10n ** 12n), syntheticInput(2), syntheticInput(3)]
    expect(declaredGas(inputs[0].blocks)).toBe(10n ** 12n)
    const c = await startCoordinator({ inputs })
    let calls = 0
    const { logger, lines } = captureLog()
    const prover = new Prover({
      coordinators: [c.address],
      backend: 'mock',
      proverType: 'Exec',
      version: 'v',
      workers: 1,
      pollIntervalMs: 20,
      logger,
      exitWhenIdle: true,
      budget: { maxGas: 30_000_000_000n, maxMs: 300 },
      prove: (_b, input, signal) => {
        calls++
        // Batch 2 "runs forever" until the budget aborts it (as Piscina terminates the worker).
        if (calls === 1) return new Promise((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason)))
        return Promise.resolve({ proof: new Uint8Array(0), publicValues: mockPublicValues(input) })
      },
    })
    onCleanup(() => prover.abort())
    expect(await prover.run()).toEqual({ reason: 'idle', proven: 1, failed: 2, unsent: 0, notPersisted: 0 })
    expect(calls).toBe(2) // the 10^12-gas batch never ran
    const over = lines.filter((l) => l.reason === 'over_budget').map((l) => l.batch)
    expect(over).toEqual([1, 2])
    expect(lines.find((l) => l.batch === 1 && l.reason === 'over_budget')?.err).toMatch(/gas budget/)
    expect(lines.find((l) => l.batch === 2 && l.reason === 'over_budget')?.err).toMatch(/time budget/)
    expect(c.store.proof(3, 'Exec')).toBeDefined()
  })

  it('the coordinator refuses a submit it cannot verify within budget as over_budget, once, without rerunning it', async () => {
    let runs = 0
    const c = await startCoordinator({
      inputs: [syntheticInput(1)],
      derivePublicValues: async () => {
        runs++
        throw new BudgetExceeded('time', 'batch 1', 'still running after 10 ms')
      },
    })
    await request(c.address, 'p')
    for (let i = 0; i < 3; i++) {
      const e = await rejection(submit(c.address, 1, valuesOf(syntheticInput(1)), { proverId: 'p' }))
      expect(e).toBeInstanceOf(Refused)
      expect((e as Refused).reason).toBe('over_budget')
    }
    expect(runs).toBe(1)
  })

  it('tessera replay file: a file over the gas budget fails by name without running, and the summary is printed', async () => {
    // A real cache file whose block claims 10^12 gas: refused before any execution.
    const cache = JSON.parse(readFileSync(HOODI_CACHE, 'utf8'))
    cache.blocks[0].header.gasUsed = '0xe8d4a51000'
    cache.blocks[0].header.gasLimit = '0x1d1a94a2000'
    const path = join(tempDir(), 'cache_gassy.json')
    writeFileSync(path, JSON.stringify(cache))
    const p = cli(['replay', 'file', path, '--workers', '1'])
    expect(await p.exited).toBe(1)
    expect(p.lines.join('\n')).toMatch(/cache_gassy\.json is over its gas budget: declares 1000000000000 gas/)
    expect(p.lines.join('\n')).toMatch(/\| blocks +\| 1 \(1 failed\)/)
  }, 60_000)

  it('time budgets longer than a timer can hold (24.8 days) are that long, not fired at once', async () => {
    expect(parseTimeBudget('1e10', undefined, '--max-case-seconds')).toBe(2 ** 31 - 1)
    expect(parseTimeBudget('2.5', undefined)).toBe(2500)
    expect(parseTimeBudget('0', 1000)).toBeUndefined()
    expect(() => parseTimeBudget('-1', undefined, '--max-case-seconds')).toThrow(/--max-case-seconds: expected seconds/)
    const budget = { maxGas: 10n ** 12n, maxMs: parseTimeBudget('1e10', undefined) }
    await expect(withTimeBudget(budget, 'long', () => new Promise((r) => setTimeout(() => r('done'), 30)))).resolves.toBe('done')
  })

  it('tessera conformance: a case over its time budget fails by name, the run closes with the count and prints progress off a terminal', async () => {
    const file = join(EF_BLOCKCHAIN_TESTS, 'ValidBlocks/bcExample/basefeeExample.json')
    const p = cli(['conformance', file, '--workers', '1', '--max-case-seconds', '0.001', '--progress-seconds', '0.2'])
    expect(await p.exited).toBe(1)
    const out = p.lines.join('\n')
    expect(out).toMatch(/FAIL \S+basefeeExample\.json basefeeExample\S*: over its time budget: still running after 0\.001 s; stopped/)
    expect(out).toMatch(/^progress: \d+\/1 files, /m)
    expect(p.lines.at(-1)).toBe('0 passed, 1 failed')
  }, 120_000)
})

describe('signals', () => {
  it('prover: the first SIGTERM drains (no new batch, the one in flight continues), the second exits at once', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'b1.json'), JSON.stringify(programInputToJson(syntheticInput(1))))
    writeFileSync(join(dir, 'b2.json'), JSON.stringify(programInputToJson(syntheticInput(2))))
    const port = await freePort()
    const db = join(tempDir(), 'c.db')
    const c = cli(['coordinator', '--listen', `127.0.0.1:${port}`, '--source', dir, '--db', db, '--commit-hash', 'v', '--exec-verifier', 'mock', '--source-poll-interval', '0'])
    await c.waitFor(/coordinator listening/)
    const p = cli(['prover', '--proof-coordinators', `127.0.0.1:${port}`, '--backend', 'mock', '--commit-hash', 'v', '--workers', '1', '--poll-interval', '50', '--state-dir', tempDir()], {
      TESSERA_MOCK_DELAY_MS: '60000',
    })
    await p.waitFor(/proving batch/)
    p.kill('SIGTERM')
    await p.waitFor(/stopping: no new batches/)
    await new Promise((r) => setTimeout(r, 300))
    expect(p.child.exitCode).toBe(null) // draining: the batch in flight is still being proven
    p.kill('SIGTERM')
    expect(await p.exited).toBe(130)
    expect(p.lines.join('\n')).toMatch(/interrupted/)
    // The coordinator: one SIGTERM answers what is in progress, prints its summary and exits 0.
    c.kill('SIGTERM')
    expect(await c.exited).toBe(0)
    expect(c.lines.join('\n')).toMatch(/tessera coordinator: stopped; proven Exec 0\/2; 0 source files skipped/)
  }, 60_000)

  it('conformance: the first SIGTERM finishes the file in progress and closes with the partial count', async () => {
    const dir = join(EF_BLOCKCHAIN_TESTS, 'ValidBlocks/bcExample')
    const p = cli(['conformance', dir, '--workers', '1', '--progress-seconds', '0.2'])
    await p.waitFor(/^progress: /)
    p.kill('SIGTERM')
    expect(await p.exited).toBe(130)
    expect(p.lines.join('\n')).toMatch(/interrupted; \d+ of 4 files not run/)
    expect(p.lines.at(-1)).toMatch(/^\d+ passed, \d+ failed$/)
  }, 120_000)
})

void until
