import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { toHex, type Hex } from 'viem'
import { isVerifiedProof } from '../coordinator/store.js'
import type { ProverType } from '../protocol/messages.js'

/** A proven batch as the proof sender needs it. */
export interface ProvenBatch {
  batchNumber: number
  proof: Hex
  publicValues: Hex
}

export type ProofSource = (batchNumber: number) => ProvenBatch | undefined

export class CoordinatorDbMissing extends Error {
  constructor(readonly path: string) {
    super(`coordinator database ${path} does not exist; start 'tessera coordinator --db ${path}' first`)
    this.name = 'CoordinatorDbMissing'
  }
}

/** What the coordinator's store says a proof was checked with ('public_values', 'proof', 'nothing'; null = unknown). */
export interface UncheckedProof {
  batchNumber: number
  checked: string | null
}

/**
 * Proofs of one prover type read from the coordinator's SQLite store (read-only; the coordinator keeps
 * writing it, WAL lets both run). Batch numbers are the coordinator's, which are the L1 batch numbers when
 * the coordinator serves the sequencer's batches in order. Only proofs the coordinator checked
 * (isVerifiedProof) are given out unless `sendUnverified`; an unchecked one stops the run there, reported
 * through `onUnverified`, until a verified proof replaces it.
 */
export function coordinatorProofSource(
  path: string,
  proverType: ProverType,
  opts: { sendUnverified?: boolean; onUnverified?: (p: UncheckedProof) => void } = {},
): { source: ProofSource; close(): void } {
  if (!existsSync(path)) throw new CoordinatorDbMissing(path)
  const db = new Database(path, { readonly: true, fileMustExist: true })
  db.pragma('busy_timeout = 5000')
  const hasChecked = (db.prepare("SELECT name FROM pragma_table_info('proofs')").pluck().all() as string[]).includes('checked')
  const stmt = db.prepare(`SELECT proof, public_values, ${hasChecked ? 'checked' : 'NULL AS checked'} FROM proofs WHERE batch_number = ? AND prover_type = ?`)
  return {
    source(batchNumber) {
      const row = stmt.get(batchNumber, proverType) as { proof: Buffer; public_values: Buffer; checked: string | null } | undefined
      if (!row) return undefined
      if (!opts.sendUnverified && !isVerifiedProof(proverType, row.checked)) {
        opts.onUnverified?.({ batchNumber, checked: row.checked })
        return undefined
      }
      return { batchNumber, proof: toHex(row.proof), publicValues: toHex(row.public_values) }
    },
    close() {
      if (db.open) db.close()
    },
  }
}
