import { describe, expect, it } from 'vitest'
import { SUITES } from '../bench/index.js'
import { ratiosAgainst } from '../bench/measure.js'
import { renderSvg, runSuites } from '../bench/report.js'
import { availableCrypto } from '../src/crypto/index.js'

describe('bench suites (smoke)', () => {
  it('registry lists keccak and ecrecover', () => {
    expect(SUITES.map((s) => s.name)).toEqual(expect.arrayContaining(['keccak', 'ecrecover']))
  })

  it('ratios are taken within a group against the baseline', () => {
    const m = (group: string, name: string, value: number) => ({ group, name, value, unit: 'x/s', samples: 1, rme: 0 })
    expect(ratiosAgainst([m('a', 'noble', 10), m('a', 'native', 125), m('b', 'native', 7)], 'noble')).toEqual([
      { group: 'a', name: 'native', baseline: 'noble', ratio: 12.5 },
    ])
  })

  it('runs the crypto suites briefly and renders JSON-able results and an SVG', async () => {
    const suites = SUITES.filter((s) => s.name === 'keccak' || s.name === 'ecrecover')
    const report = await runSuites(suites, { quick: true, timeMs: 5, log: () => {} }, { tessera: 'test', activeCrypto: { keccak: 'x', ecrecover: 'y' } })
    const keccak = report.suites.find((s) => s.suite === 'keccak')!
    const groups = new Set(keccak.measurements.map((m) => m.group))
    expect([...groups]).toEqual(['keccak256 32B', 'keccak256 64B', 'keccak256 136B', 'keccak256 532B'])
    const names = new Set(keccak.measurements.map((m) => m.name))
    expect(names.has('noble') && names.has('hash-wasm')).toBe(true)
    if (availableCrypto().keccak.includes('native')) expect(names.has('native-batch')).toBe(true)
    for (const m of keccak.measurements) expect(m.value).toBeGreaterThan(0)
    const ec = report.suites.find((s) => s.suite === 'ecrecover')!
    expect(ec.measurements.map((m) => m.name)).toEqual(['noble', 'secp256k1-npm', 'libsecp256k1'].filter((p) => availableCrypto().ecrecover.includes(p as never)))
    expect(JSON.parse(JSON.stringify(report)).suites.length).toBe(2)
    const svg = renderSvg(report)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('keccak256 532B')
    expect(svg.trim().endsWith('</svg>')).toBe(true)
  }, 60_000)
})
