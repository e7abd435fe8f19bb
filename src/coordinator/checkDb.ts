import Database from 'better-sqlite3'
import { decodeProgramInput } from '../../guest/input.js'
import { StoreRefused } from './store.js'
import type { ProverType } from '../protocol/messages.js'
import { CoordinatorStore, isVerifiedProof } from './store.js'

/**
 * `tessera coordinator --check-db`: open a store the way the coordinator would (refusing empty, foreign and
 * damaged files), then run the full PRAGMA integrity_check and read every batch row, naming the rows that
 * cannot be used. Read-only apart from what opening a store does.
 */
export interface DbReport {
  path: string
  ok: boolean
  problems: string[]
  batches: number
  proofs: number
  /** Rows whose input does not decode, or set aside earlier by the coordinator. */
  damaged: { batchNumber: number; reason: string }[]
  /** Proofs stored without being verified (--trust-unverified); proof-sender does not send them by default. */
  unverified: { batchNumber: number; proverType: string; checked: string | null }[]
}

export function checkDb(path: string): DbReport {
  const report: DbReport = { path, ok: false, problems: [], batches: 0, proofs: 0, damaged: [], unverified: [] }
  let store: CoordinatorStore
  try {
    store = new CoordinatorStore(path)
  } catch (e) {
    if (!(e instanceof StoreRefused)) throw e
    report.problems.push(e.message)
    return report
  }
  try {
    const db: Database.Database = store.db
    for (const r of db.pragma('integrity_check(50)') as { integrity_check: string }[]) {
      if (r.integrity_check !== 'ok') report.problems.push(`integrity_check: ${r.integrity_check}`)
    }
    report.proofs = db.prepare('SELECT COUNT(*) FROM proofs').pluck().get() as number
    for (const p of db.prepare('SELECT batch_number, prover_type, checked FROM proofs ORDER BY batch_number').iterate() as Iterable<{ batch_number: number; prover_type: string; checked: string | null }>) {
      if (!isVerifiedProof(p.prover_type as ProverType, p.checked)) report.unverified.push({ batchNumber: p.batch_number, proverType: p.prover_type, checked: p.checked })
    }
    const already = new Map(store.damagedBatches().map((d) => [d.batchNumber, d.reason]))
    for (const n of db.prepare('SELECT batch_number FROM batches ORDER BY batch_number').pluck().iterate() as Iterable<number>) {
      report.batches++
      try {
        const batch = store.batch(n)
        if (!batch) throw new Error('row vanished')
        decodeProgramInput(batch.input)
        if (already.has(n)) report.damaged.push({ batchNumber: n, reason: `set aside earlier: ${already.get(n)}` })
      } catch (e) {
        report.damaged.push({ batchNumber: n, reason: String((e as Error)?.message ?? e).slice(0, 300) })
      }
    }
  } catch (e) {
    report.problems.push(`reading failed: ${String((e as Error)?.message ?? e).slice(0, 300)}`)
  } finally {
    store.close()
  }
  report.ok = report.problems.length === 0 && report.damaged.length === 0
  return report
}

export function formatDbReport(r: DbReport): string {
  const lines = [`${r.path}: ${r.ok ? 'ok' : 'PROBLEMS'} (${r.batches} batches, ${r.proofs} proofs)`]
  for (const p of r.problems) lines.push(`  ${p}`)
  for (const d of r.damaged) lines.push(`  batch ${d.batchNumber}: ${d.reason}`)
  for (const u of r.unverified.slice(0, 50)) lines.push(`  batch ${u.batchNumber} ${u.proverType} proof: unverified (checked: ${u.checked ?? 'unknown'})`)
  if (r.unverified.length > 50) lines.push(`  … ${r.unverified.length - 50} more unverified proofs`)
  return lines.join('\n')
}
