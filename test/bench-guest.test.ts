import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SUITES } from '../bench/index.js'
import { renderSvg, runSuites } from '../bench/report.js'
import { loadBlockSet } from '../bench/suites/blockset.js'
import { createGuestSuite } from '../bench/suites/guest.js'
import { createReplaySuite } from '../bench/suites/replay.js'
import { resolve } from 'node:path'
import { categoryOf, timeByCategory } from '../bench/categories.js'
import { EF_BLOCKCHAIN_TESTS, REPO_ROOT, SHARED_FIXTURES } from './support/fixtures.js'

const quiet = { quick: true, timeMs: 5, log: () => {} }
const hasEf = existsSync(EF_BLOCKCHAIN_TESTS)

describe('bench: guest and replay suites (smoke, no timing assertions)', () => {
  it('registry lists guest and replay', () => {
    expect(SUITES.map((s) => s.name)).toEqual(expect.arrayContaining(['keccak', 'ecrecover', 'guest', 'replay']))
  })

  it('block set: devnet batches and an EF case become ProgramInputs with a stateful pre-state', async () => {
    const entries = await loadBlockSet({ sources: ['devnet', 'ef'], maxEntries: hasEf ? 5 : 4 })
    expect(entries.filter((e) => e.source === 'devnet')).toHaveLength(4)
    if (hasEf) expect(entries[4]!.source).toBe('ef')
    for (const e of entries) {
      expect(e.gas).toBeGreaterThan(0n)
      expect(e.input.blocks.length).toBe(e.blocks)
      expect(e.input.witness.state.length).toBeGreaterThan(0)
      expect(e.preState.size).toBeGreaterThan(0)
      expect(e.ancestors.length).toBeGreaterThan(0)
    }
  }, 60_000)

  it('guest suite: tiny set (devnet + 1 EF case), 1 round -> gas, seconds, Mgas/s for four engines, ratios, kinds and a profile', async () => {
    const suite = createGuestSuite({ sources: ['devnet', 'ef'], maxEntries: hasEf ? 5 : 2, rounds: 1, fullWarmup: false })
    const report = await runSuites([suite], { ...quiet, profile: true }, { tessera: 'test', activeCrypto: { keccak: 'x', ecrecover: 'y' } })
    const r = JSON.parse(JSON.stringify(report)).suites[0]
    expect(r.suite).toBe('guest')
    const all = r.measurements.filter((m: { group: string }) => m.group === 'guest all blocks')
    expect(all.map((m: { name: string }) => m.name)).toEqual(['guest-native', 'guest-js', 'stateful-vm', 'stateful-vm-host'])
    // Per-kind breakdown: the devnet batches are crypto-heavy; the first EF case (bcExample) EVM-heavy.
    const groups = new Set(r.measurements.map((m: { group: string }) => m.group))
    expect(groups).toContain('kind crypto-heavy')
    if (hasEf) expect(groups).toContain('kind EVM-heavy')
    // --profile: ten functions with self time, the busiest first.
    expect(r.profile.engine).toBe('guest-native')
    expect(r.profile.top.length).toBe(10)
    for (const f of r.profile.top) expect(f.selfMs).toBeGreaterThanOrEqual(0)
    expect(r.profile.top[0].selfMs).toBeGreaterThanOrEqual(r.profile.top[9].selfMs)
    for (const m of r.measurements) {
      expect(m.unit).toBe('Mgas/s')
      expect(m.value).toBeGreaterThan(0)
      expect(m.gas).toBeGreaterThan(0)
      expect(m.seconds).toBeGreaterThan(0)
      expect(m.samples).toBe(1)
    }
    const pairs = r.ratios.filter((x: { group: string }) => x.group === 'guest all blocks').map((x: { name: string; baseline: string }) => `${x.name}/${x.baseline}`)
    expect(pairs).toEqual(['guest-native/stateful-vm', 'guest-native/stateful-vm-host', 'guest-native/guest-js', 'guest-js/stateful-vm'])
    for (const x of r.ratios) expect(x.ratio).toBeGreaterThan(0)
    expect(r.notes.some((n: string) => n.startsWith('guest over all blocks: x'))).toBe(true)
    expect(renderSvg(report)).toContain('guest all blocks')
  }, 120_000)

  it('guest suite on files (--blocks): one row per block with warm and cold Mgas/s, the same-crypto ratio and time by category', async () => {
    const file = resolve(REPO_ROOT, 'fixtures/devnet/cache_chain1337_1-3.json')
    const suite = createGuestSuite({ files: [file], rounds: 1 })
    const r = await suite.run(quiet)
    expect(r.perBlock).toHaveLength(1)
    const row = r.perBlock![0]!
    expect(row.label).toBe('cache_chain1337_1-3.json 1-3')
    expect(row.gas).toBeGreaterThan(0)
    expect(row.warmMgasPerSecond).toBeGreaterThan(0)
    expect(row.vsStatefulSameCrypto).toBeGreaterThan(0)
    // The cold run is a separate process on the same file: it must agree on the gas it executed.
    expect(row.coldMs).toBeGreaterThan(0)
    expect(row.coldOverWarm).toBeGreaterThan(0)
    expect(row.coldCpuOverWarm).toBeGreaterThan(0)
    // `tessera replay file` of the block, end to end: it ran (a failed replay rejects the suite) and took time.
    expect(row.replayCommandMs).toBeGreaterThan(row.coldMs!)
    const shares = row.categories.reduce((a, c) => a + c.percent, 0)
    expect(shares).toBeGreaterThan(99)
    expect(shares).toBeLessThan(101)
    expect(r.notes.some((n) => n.startsWith('target cold first block'))).toBe(true)
  }, 180_000)

  it('guest suite on files: an input without a parent header is refused by name, not skipped', async () => {
    const sbv = resolve(SHARED_FIXTURES, 'real/sbv/holesky_0x2caa27_blockwitness.json')
    if (!existsSync(sbv)) return
    await expect(createGuestSuite({ files: [sbv], rounds: 1 }).run(quiet)).rejects.toThrow(/holesky_0x2caa27_blockwitness.json/)
  })

  it('time by category: a frame without source (wasm, builtins) is charged to its caller', () => {
    const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0, columnNumber: 0 }, children })
    const profile = {
      nodes: [
        frame(1, '(root)', '', [2, 5]),
        frame(2, 'pairing', 'file:///x/node_modules/@ethereumjs/evm/dist/esm/precompiles/08-bn254-pairing.js', [3]),
        frame(3, 'wasm-function[68]', 'wasm://wasm/000b5a3a'),
        frame(5, 'runStepSync', 'file:///x/node_modules/@ethereumjs/evm/dist/esm/interpreter.js', [6]),
        frame(6, '(garbage collector)', ''),
      ],
      startTime: 0,
      endTime: 100,
      samples: [3, 3, 3, 5, 6],
      timeDeltas: [0, 10, 10, 10, 10, 10],
    }
    const byName = Object.fromEntries(timeByCategory(profile).map((c) => [c.category, c.percent]))
    expect(byName).toEqual({ precompiles: 60, interpreter: 20, GC: 20 })
    expect(categoryOf('getAccount', 'file:///x/dist/guest/flatState.js')).toBe('state reads/writes')
    expect(categoryOf('_decode', 'file:///x/node_modules/@ethereumjs/rlp/dist/esm/index.js')).toBe('RLP')
  })

  it('replay suite: 1 worker over 2 batches -> blocks/s, Mgas/s, memory per worker and the transfer cost', async () => {
    const r = await createReplaySuite({ sources: ['devnet'], maxEntries: 2, rounds: 1, maxWorkers: 1 }).run(quiet)
    expect(r.suite).toBe('replay')
    const names = r.measurements.map((m) => `${m.group}:${m.name}`)
    expect(names).toEqual([
      'memory per worker:V8 heap used (MB)',
      'memory per worker:V8 heap total (MB)',
      'memory per worker:process RSS added (MB)',
      'replay 1 worker(s):blocks/s',
      'replay 1 worker(s):Mgas/s',
      'transfer:10MB move+ack',
    ])
    for (const m of r.measurements) expect(m.value).toBeGreaterThan(0)
    const heap = r.measurements.find((m) => m.name === 'V8 heap used (MB)')!
    expect(heap.value).toBeLessThan(r.measurements.find((m) => m.name === 'V8 heap total (MB)')!.value)
    expect(r.notes.some((n) => n.startsWith('memory per worker after the warm pass (1 of 1 workers reported)'))).toBe(true)
    expect(r.notes.some((n) => n.includes('10 MB transfer'))).toBe(true)
  }, 120_000)

  it('replay suite on the real-chain set (--set real): the small set is repeated to about 100 Mgas a pass', async () => {
    if (!existsSync(resolve(SHARED_FIXTURES, 'replay/cache_hoodi_1265656.json'))) return
    const r = await createReplaySuite({ set: 'real', rounds: 1, maxWorkers: 1, processBound: false }).run(quiet)
    expect(r.notes[0]).toMatch(/^block set: 4 batches \(4 real-chain\), 4 blocks, 124 txs, 22\.2 Mgas; 1 interleaved round\(s\), each a pass of the set x5 per worker count/)
    const mgas = r.measurements.find((m) => m.group === 'replay 1 worker(s)' && m.name === 'Mgas/s')!
    expect(mgas.value).toBeGreaterThan(0)
  }, 180_000)

  it('tessera bench: --set names the guest or replay suite, --blocks the guest suite only', () => {
    const cli = resolve(REPO_ROOT, 'dist/src/cli/main.js')
    const run = (args: string[]) => spawnSync(process.execPath, [cli, 'bench', ...args], { encoding: 'utf8', env: { ...process.env, TESSERA_V8_FLAGS: 'none' } })
    const keccak = run(['--suite', 'keccak', '--set', 'real'])
    expect(keccak.status).toBe(2)
    expect(keccak.stderr).toMatch(/--set applies to the guest and replay suites/)
    const blocks = run(['--suite', 'replay', '--blocks', 'x.json'])
    expect(blocks.status).toBe(2)
    expect(blocks.stderr).toMatch(/--blocks applies to the guest suite only/)
    expect(run(['--suite', 'replay', '--set', 'other']).stderr).toMatch(/unknown set other \(have: real\)/)
  })
})
