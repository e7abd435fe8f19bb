import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { toHex, type Hex } from 'viem'
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

/**
 * Proofs of one prover type read from the coordinator's SQLite store (read-only; the coordinator keeps
 * writing it, WAL lets both run). Batch numbers are the coordinator's, which are the L1 batch numbers when
 * the coordinator serves the sequencer's batches in order.
 */
export function coordinatorProofSource(path: string, proverType: ProverType): { source: ProofSource; close(): void } {
  if (!existsSync(path)) throw new CoordinatorDbMissing(path)
  const db = new Database(path, { readonly: true, fileMustExist: true })
  db.pragma('busy_timeout = 5000')
  const stmt = db.prepare('SELECT proof, public_values FROM proofs WHERE batch_number = ? AND prover_type = ?')
  return {
    source(batchNumber) {
      const row = stmt.get(batchNumber, proverType) as { proof: Buffer; public_values: Buffer } | undefined
      if (!row) return undefined
      return { batchNumber, proof: toHex(row.proof), publicValues: toHex(row.public_values) }
    },
    close() {
      if (db.open) db.close()
    },
  }
}
