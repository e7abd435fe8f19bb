import { cpus } from 'node:os'
import { formatRate } from './measure.js'
import type { BenchOptions, BenchSuite, SuiteResult } from './types.js'

/** What `tessera bench` writes with --out. */
export interface BenchReport {
  tessera: string
  date: string
  node: string
  platform: string
  cpus: number
  cpuModel: string
  quick: boolean
  timeMsPerTask: number
  /** The crypto paths hostCrypto() picks in this process. */
  activeCrypto: { keccak: string; ecrecover: string }
  suites: SuiteResult[]
}

export async function runSuites(
  suites: BenchSuite[],
  opts: BenchOptions,
  meta: { tessera: string; activeCrypto: BenchReport['activeCrypto'] },
  /** Checked before each suite: true = stop here (the report holds the suites run so far). */
  stopRequested: () => boolean = () => false,
): Promise<BenchReport> {
  const results: SuiteResult[] = []
  for (const suite of suites) {
    // Suites run long synchronous stretches: let a pending signal's handler run before deciding.
    await new Promise((r) => setImmediate(r))
    if (stopRequested()) break
    opts.log(`${suite.name}: ${suite.description}`)
    const started = performance.now()
    const result = await suite.run(opts)
    for (const note of result.notes) opts.log(`  note: ${note}`)
    opts.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`)
    results.push(result)
  }
  return {
    tessera: meta.tessera,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    quick: opts.quick,
    timeMsPerTask: opts.timeMs,
    activeCrypto: meta.activeCrypto,
    suites: results,
  }
}

/** Plain-text ratio table. */
export function ratioTable(report: BenchReport): string {
  const lines: string[] = []
  for (const s of report.suites) {
    for (const r of s.ratios) lines.push(`${r.group.padEnd(20)} ${r.name.padEnd(16)} ×${r.ratio.toFixed(2).padStart(6)} vs ${r.baseline}`)
  }
  return lines.join('\n')
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1']

/** Horizontal bar chart, one block per group, bars scaled to the group's fastest, labelled with rate and ratio. */
export function renderSvg(report: BenchReport): string {
  const width = 820
  const labelW = 130
  const barMax = 440
  const rowH = 18
  const names = [...new Set(report.suites.flatMap((s) => s.measurements.map((m) => m.name)))]
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length]!
  const parts: string[] = []
  let y = 46
  for (const suite of report.suites) {
    const groups = [...new Set(suite.measurements.map((m) => m.group))]
    for (const group of groups) {
      const ms = suite.measurements.filter((m) => m.group === group)
      const max = Math.max(...ms.map((m) => m.value))
      parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(group)}</text>`)
      y += 6
      for (const m of ms) {
        const w = Math.max(1, Math.round((m.value / max) * barMax))
        const ratio = suite.ratios.find((r) => r.group === group && r.name === m.name)
        const label = `${formatRate(m.value).trim()} ${m.unit}${ratio ? `  ×${ratio.ratio.toFixed(1)} vs ${ratio.baseline}` : ''}`
        parts.push(
          `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(m.name)}</text>`,
          `<rect x="${labelW}" y="${y + 2}" width="${w}" height="${rowH - 4}" fill="${color(m.name)}"/>`,
          `<text x="${labelW + w + 6}" y="${y + 13}">${esc(label)}</text>`,
        )
        y += rowH
      }
      y += 16
    }
  }
  const title = `Tessera ${report.tessera} benchmarks — node ${report.node}, ${report.cpus} cpus, ${report.date.slice(0, 10)}${report.quick ? ' (quick)' : ''}`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
