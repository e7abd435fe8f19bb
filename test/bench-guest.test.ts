import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SUITES } from '../bench/index.js'
import { renderSvg, runSuites } from '../bench/report.js'
import { loadBlockSet } from '../bench/suites/blockset.js'
import { createGuestSuite } from '../bench/suites/guest.js'
import { createReplaySuite } from '../bench/suites/replay.js'
import { EF_BLOCKCHAIN_TESTS } from './support/fixtures.js'

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
    expect(r.notes.some((n: string) => n.includes('issue 12 target'))).toBe(true)
    expect(renderSvg(report)).toContain('guest all blocks')
  }, 120_000)

  it('replay suite: 1 worker over 2 batches -> blocks/s, Mgas/s and the transfer cost', async () => {
    const r = await createReplaySuite({ sources: ['devnet'], maxEntries: 2, rounds: 1, maxWorkers: 1 }).run(quiet)
    expect(r.suite).toBe('replay')
    const names = r.measurements.map((m) => `${m.group}:${m.name}`)
    expect(names).toEqual(['replay 1 worker(s):blocks/s', 'replay 1 worker(s):Mgas/s', 'transfer:10MB move+ack'])
    for (const m of r.measurements) expect(m.value).toBeGreaterThan(0)
    expect(r.notes.some((n) => n.includes('10 MB transfer'))).toBe(true)
  }, 120_000)
})
