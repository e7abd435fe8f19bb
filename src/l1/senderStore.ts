import Database from 'better-sqlite3'
import type { Hex } from 'viem'

/**
 * The proof sender's own durable state (SQLite, WAL): one row per verify transaction it signed, written
 * BEFORE the transaction is broadcast. After a restart a row whose outcome is unknown is resolved from the
 * chain (receipt, or the contract's lastVerifiedBatch) instead of being sent again.
 */
export interface SentVerification {
  id: number
  firstBatch: number
  lastBatch: number
  txHash: Hex
  rawTx: Hex
  nonce: number
  /** 'pending' until a receipt is seen; 'success' or 'reverted' after. */
  status: 'pending' | 'success' | 'reverted'
  error: string | null
  sentAt: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS verifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  first_batch INTEGER NOT NULL,
  last_batch INTEGER NOT NULL,
  tx_hash TEXT NOT NULL UNIQUE,
  raw_tx TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  sent_at INTEGER NOT NULL
);
`

interface Row {
  id: number
  first_batch: number
  last_batch: number
  tx_hash: string
  raw_tx: string
  nonce: number
  status: SentVerification['status']
  error: string | null
  sent_at: number
}

const fromRow = (r: Row): SentVerification => ({
  id: r.id,
  firstBatch: r.first_batch,
  lastBatch: r.last_batch,
  txHash: r.tx_hash as Hex,
  rawTx: r.raw_tx as Hex,
  nonce: r.nonce,
  status: r.status,
  error: r.error,
  sentAt: r.sent_at,
})

export class SenderStore {
  readonly db: Database.Database

  constructor(path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.exec(SCHEMA)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  record(v: Omit<SentVerification, 'id' | 'status' | 'error' | 'sentAt'>): void {
    this.db
      .prepare('INSERT INTO verifications (first_batch, last_batch, tx_hash, raw_tx, nonce, status, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(v.firstBatch, v.lastBatch, v.txHash, v.rawTx, v.nonce, 'pending', Date.now())
  }

  pending(): SentVerification[] {
    return (this.db.prepare("SELECT * FROM verifications WHERE status = 'pending' ORDER BY id").all() as Row[]).map(fromRow)
  }

  settle(txHash: Hex, status: 'success' | 'reverted', error: string | null = null): void {
    this.db.prepare('UPDATE verifications SET status = ?, error = ? WHERE tx_hash = ?').run(status, error, txHash)
  }

  all(): SentVerification[] {
    return (this.db.prepare('SELECT * FROM verifications ORDER BY id').all() as Row[]).map(fromRow)
  }
}
