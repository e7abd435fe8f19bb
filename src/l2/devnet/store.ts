import Database from 'better-sqlite3'
import type { Hex } from 'viem'

/**
 * The L2 devnet's durable record (SQLite, WAL): batches with their L1 commit transaction, blocks,
 * transactions with their status, and every L1 message (withdrawal) with the L2 transaction that sent it,
 * so withdrawal proofs can be served after the sequencer is gone (`tessera l2 withdrawal-proof --db`).
 */
export interface StoredL1Message {
  batchNumber: number
  /** Position in the batch's L1-messages tree. */
  index: number
  messageId: bigint
  from: Hex
  dataHash: Hex
  txHash: Hex
}

export interface StoredL2Batch {
  batchNumber: number
  firstBlock: number
  lastBlock: number
  stateRoot: Hex
  l1MessagesRoot: Hex
  commitTx: Hex | null
  /** The batch's L2 public values (hex), as the guest computed them when it was sealed. */
  publicValues?: Hex
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  batch_number INTEGER PRIMARY KEY, first_block INTEGER NOT NULL, last_block INTEGER NOT NULL,
  state_root TEXT NOT NULL, l1_messages_root TEXT NOT NULL, public_values TEXT NOT NULL, commit_tx TEXT
);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, batch_number INTEGER NOT NULL, rlp BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
  hash TEXT PRIMARY KEY, block_number INTEGER NOT NULL, idx INTEGER NOT NULL, type INTEGER NOT NULL, status INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS l1_messages (
  batch_number INTEGER NOT NULL, idx INTEGER NOT NULL, message_id TEXT NOT NULL, from_address TEXT NOT NULL,
  data_hash TEXT NOT NULL, tx_hash TEXT NOT NULL, PRIMARY KEY (batch_number, idx)
);
CREATE INDEX IF NOT EXISTS l1_messages_tx ON l1_messages (tx_hash);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch_inputs (batch_number INTEGER PRIMARY KEY, cache_json TEXT NOT NULL);
`

export class L2DevnetStore {
  readonly db: Database.Database

  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false })
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL')
      this.db.exec(SCHEMA)
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  addBatch(b: {
    batch: StoredL2Batch & { publicValues: Hex }
    blocks: { number: number; hash: Hex; rlp: Uint8Array; txs: { hash: Hex; type: number; status: number }[] }[]
    messages: Omit<StoredL1Message, 'batchNumber'>[]
    /** The batch's guest input as an L2 batch cache file (JSON): what the node's RPC serves blocks, witness and fee configs from. */
    cacheJson?: string
  }): void {
    this.db.transaction(() => {
      const x = b.batch
      this.db
        .prepare('INSERT INTO batches (batch_number, first_block, last_block, state_root, l1_messages_root, public_values, commit_tx) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(x.batchNumber, x.firstBlock, x.lastBlock, x.stateRoot, x.l1MessagesRoot, x.publicValues, x.commitTx)
      for (const blk of b.blocks) {
        this.db.prepare('INSERT INTO blocks (number, hash, batch_number, rlp) VALUES (?, ?, ?, ?)').run(blk.number, blk.hash, x.batchNumber, blk.rlp)
        blk.txs.forEach((t, i) => this.db.prepare('INSERT INTO transactions (hash, block_number, idx, type, status) VALUES (?, ?, ?, ?, ?)').run(t.hash, blk.number, i, t.type, t.status))
      }
      if (b.cacheJson !== undefined) this.db.prepare('INSERT INTO batch_inputs (batch_number, cache_json) VALUES (?, ?)').run(x.batchNumber, b.cacheJson)
      for (const m of b.messages) {
        this.db
          .prepare('INSERT INTO l1_messages (batch_number, idx, message_id, from_address, data_hash, tx_hash) VALUES (?, ?, ?, ?, ?, ?)')
          .run(x.batchNumber, m.index, m.messageId.toString(), m.from, m.dataHash, m.txHash)
      }
    })()
  }

  setCommitTx(batchNumber: number, txHash: Hex): void {
    this.db.prepare('UPDATE batches SET commit_tx = ? WHERE batch_number = ?').run(txHash, batchNumber)
  }

  batch(batchNumber: number): StoredL2Batch | undefined {
    const r = this.db.prepare('SELECT * FROM batches WHERE batch_number = ?').get(batchNumber) as
      | { batch_number: number; first_block: number; last_block: number; state_root: Hex; l1_messages_root: Hex; commit_tx: Hex | null; public_values: Hex }
      | undefined
    return r && { batchNumber: r.batch_number, firstBlock: r.first_block, lastBlock: r.last_block, stateRoot: r.state_root, l1MessagesRoot: r.l1_messages_root, commitTx: r.commit_tx, publicValues: r.public_values }
  }

  /** The batch's cache file JSON (undefined for batches recorded before inputs were kept, or unknown ones). */
  batchCacheJson(batchNumber: number): string | undefined {
    // A database written by an older devnet has no such table; opened read-only it is not created.
    const has = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'batch_inputs'").pluck().get()
    if (!has) return undefined
    return this.db.prepare('SELECT cache_json FROM batch_inputs WHERE batch_number = ?').pluck().get(batchNumber) as string | undefined
  }

  batchOfBlock(blockNumber: number): number | undefined {
    return this.db.prepare('SELECT batch_number FROM blocks WHERE number = ?').pluck().get(blockNumber) as number | undefined
  }

  lastBlockNumber(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(number), 0) FROM blocks').pluck().get() as number) ?? 0
  }

  lastBatchNumber(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(batch_number), 0) FROM batches').pluck().get() as number) ?? 0
  }

  transaction(hash: Hex): { blockNumber: number; index: number; type: number; status: number } | undefined {
    const r = this.db.prepare('SELECT block_number, idx, type, status FROM transactions WHERE hash = ?').get(hash.toLowerCase()) as
      | { block_number: number; idx: number; type: number; status: number }
      | undefined
    return r && { blockNumber: r.block_number, index: r.idx, type: r.type, status: r.status }
  }

  messagesOfTx(txHash: Hex): StoredL1Message[] {
    return (this.db.prepare('SELECT * FROM l1_messages WHERE tx_hash = ? ORDER BY batch_number, idx').all(txHash.toLowerCase()) as MessageRow[]).map(fromRow)
  }

  messagesOfBatch(batchNumber: number): StoredL1Message[] {
    return (this.db.prepare('SELECT * FROM l1_messages WHERE batch_number = ? ORDER BY idx').all(batchNumber) as MessageRow[]).map(fromRow)
  }

  meta(key: string): string | undefined {
    return this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)
  }
}

interface MessageRow {
  batch_number: number
  idx: number
  message_id: string
  from_address: Hex
  data_hash: Hex
  tx_hash: Hex
}

const fromRow = (r: MessageRow): StoredL1Message => ({
  batchNumber: r.batch_number,
  index: r.idx,
  messageId: BigInt(r.message_id),
  from: r.from_address,
  dataHash: r.data_hash,
  txHash: r.tx_hash,
})
