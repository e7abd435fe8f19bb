/**
 * `replay --bench`: execution rate in Mgas/s per block (or per file of blocks), written as a JSON list in the
 * shape ethrex-replay's `--bench` writes to bench_latest.json (lambdaclass/ethrex-replay @4561304 src/report.rs
 * `to_bench_file`: [{name, unit: "Mgas/s", value}]), which github-action-benchmark reads; one entry per
 * block here, with gas and time in `extra`.
 */
import { writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import type { ReplayRecord } from '../rpc/replay.js'

export const DEFAULT_BENCH_FILE = 'bench_latest.json'

export interface BenchEntry {
  name: string
  unit: 'Mgas/s'
  value: number
  extra: string
}

export function benchEntries(records: ReplayRecord[], backend: string): BenchEntry[] {
  const cpu = cpus()[0]?.model?.trim() || 'CPU'
  return records
    .filter((r) => r.ok && r.executeMs > 0)
    .map((r) => ({
      name: `${r.first === r.last ? `block ${r.first}` : `blocks ${r.first}-${r.last}`}, ${backend}, ${cpu}`,
      unit: 'Mgas/s' as const,
      value: Number(r.gasUsed) / 1e6 / (r.executeMs / 1000),
      extra: `${r.gasUsed} gas, ${r.transactions} txs, ${r.executeMs.toFixed(1)} ms`,
    }))
}

export async function writeBenchFile(path: string, records: ReplayRecord[], backend: string): Promise<number> {
  const entries = benchEntries(records, backend)
  await writeFile(path, `${JSON.stringify(entries, null, 2)}\n`)
  return entries.length
}
