import { Bench } from 'tinybench'
import type { BenchOptions, Measurement, Ratio } from './types.js'

export interface TaskSpec {
  name: string
  /** One iteration. */
  fn: () => unknown
  /** Units of work one iteration does (e.g. hashes per call of fn), so value = unitsPerIteration / latency. */
  unitsPerIteration: number
}

/**
 * Runs tasks of one group with tinybench and returns rates from the median iteration latency
 * (the median resists the noise of a shared machine better than the mean).
 */
export async function measureGroup(group: string, unit: string, tasks: TaskSpec[], opts: BenchOptions): Promise<Measurement[]> {
  const bench = new Bench({
    name: group,
    time: opts.timeMs,
    // noble needs its JIT warm before its numbers mean anything; short warmups inflate the ratios.
    warmupTime: Math.max(100, Math.round(opts.timeMs / 2)),
    iterations: 5,
    warmupIterations: 2,
    throws: true,
  })
  for (const t of tasks) bench.add(t.name, t.fn)
  await bench.run()
  const out: Measurement[] = []
  for (const t of tasks) {
    const task = bench.getTask(t.name)
    const r = task?.result
    if (r === undefined || r.error !== undefined) throw r?.error ?? new Error(`${group}/${t.name}: no result`)
    const medianMs = r.latency.p50 ?? r.latency.mean
    const m: Measurement = {
      group,
      name: t.name,
      value: (t.unitsPerIteration * 1000) / medianMs,
      unit,
      samples: r.latency.samples.length,
      rme: Number(r.latency.rme.toFixed(2)),
    }
    out.push(m)
    opts.log(`  ${group.padEnd(20)} ${t.name.padEnd(16)} ${formatRate(m.value)} ${unit}  (±${m.rme.toFixed(1)}%, ${m.samples} samples)`)
  }
  return out
}

export function ratiosAgainst(measurements: Measurement[], baseline: string): Ratio[] {
  const ratios: Ratio[] = []
  const groups = new Set(measurements.map((m) => m.group))
  for (const group of groups) {
    const base = measurements.find((m) => m.group === group && m.name === baseline)
    if (base === undefined) continue
    for (const m of measurements) {
      if (m.group !== group || m.name === baseline) continue
      ratios.push({ group, name: m.name, baseline, ratio: Number((m.value / base.value).toFixed(2)) })
    }
  }
  return ratios
}

export function formatRate(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`.padStart(8)
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`.padStart(8)
  return v.toFixed(1).padStart(8)
}
