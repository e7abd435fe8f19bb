import Database from 'better-sqlite3'
import type { ProverType } from '../protocol/messages.js'

/**
 * The coordinator's durable state (SQLite, WAL): batches with their inputs, the latest assignment per
 * (batch, prover type), accepted proofs, and the public values re-derived for verification. Every write
 * is one statement or one transaction, so a killed coordinator restarts exactly where it was.
 */

export interface StoredBatch {
  batchNumber: number
  /** Where the batch came from: a cache-file name, or `rpc:<first>-<last>`. Unique. */
  source: string
  firstBlock: number
  lastBlock: number
  /** encodeProgramInput bytes. */
  input: Uint8Array
}

export interface StoredProof {
  batchNumber: number
  proverType: ProverType
  proof: Uint8Array
  /** Empty when the prover sent none (ethrex's `ProverOutput::Proof` form). */
  publicValues: Uint8Array
  submittedAt: number
  /** What the coordinator checked before storing: 'public_values', 'proof', both joined by '+', or 'nothing'. */
  checked?: string
}

export interface BatchCounts {
  total: number
  /** Per required type: batches without a proof of that type and not assigned within the timeout. */
  pending: Record<string, number>
  assigned: Record<string, number>
  proven: Record<string, number>
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  batch_number INTEGER PRIMARY KEY,
  source TEXT NOT NULL UNIQUE,
  first_block INTEGER NOT NULL,
  last_block INTEGER NOT NULL,
  input BLOB NOT NULL,
  expected_public_values BLOB,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
  batch_number INTEGER NOT NULL REFERENCES batches(batch_number),
  prover_type TEXT NOT NULL,
  assigned_at INTEGER NOT NULL,
  times_assigned INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (batch_number, prover_type)
);
CREATE TABLE IF NOT EXISTS proofs (
  batch_number INTEGER NOT NULL REFERENCES batches(batch_number),
  prover_type TEXT NOT NULL,
  proof BLOB NOT NULL,
  public_values BLOB NOT NULL,
  submitted_at INTEGER NOT NULL,
  PRIMARY KEY (batch_number, prover_type)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`

/**
 * Columns added after the first release, added to older databases on open:
 * batches.version: the program version a batch was made for (ethrex keeps prover inputs per version);
 * NULL until a coordinator first serves it, which stamps its own. proofs.checked: see StoredProof.checked.
 */
const ADDED_COLUMNS: [table: string, column: string, type: string][] = [
  ['batches', 'version', 'TEXT'],
  ['proofs', 'checked', 'TEXT'],
]

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

export class CoordinatorStore {
  readonly db: Database.Database
  private readonly stmts

  constructor(path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(SCHEMA)
    for (const [table, column, type] of ADDED_COLUMNS) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]
      if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`)
    }
    this.stmts = {
      insertBatch: this.db.prepare(
        'INSERT INTO batches (batch_number, source, first_block, last_block, input, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      hasSource: this.db.prepare('SELECT batch_number FROM batches WHERE source = ?').pluck(),
      maxBatch: this.db.prepare('SELECT COALESCE(MAX(batch_number), 0) FROM batches').pluck(),
      lastBlock: this.db.prepare('SELECT MAX(last_block) FROM batches').pluck(),
      batch: this.db.prepare('SELECT batch_number, source, first_block, last_block, input FROM batches WHERE batch_number = ?'),
      nextUnassigned: this.db.prepare(`
        SELECT b.batch_number FROM batches b
        WHERE NOT EXISTS (SELECT 1 FROM proofs p WHERE p.batch_number = b.batch_number AND p.prover_type = @type)
          AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.batch_number = b.batch_number AND a.prover_type = @type
                          AND a.assigned_at > @cutoff)
        ORDER BY b.batch_number LIMIT 1`).pluck(),
      nextUnassignedForVersion: this.db.prepare(`
        SELECT b.batch_number FROM batches b
        WHERE b.version = @version
          AND NOT EXISTS (SELECT 1 FROM proofs p WHERE p.batch_number = b.batch_number AND p.prover_type = @type)
          AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.batch_number = b.batch_number AND a.prover_type = @type
                          AND a.assigned_at > @cutoff)
        ORDER BY b.batch_number LIMIT 1`).pluck(),
      stampVersion: this.db.prepare('UPDATE batches SET version = ? WHERE version IS NULL'),
      assign: this.db.prepare(`
        INSERT INTO assignments (batch_number, prover_type, assigned_at) VALUES (?, ?, ?)
        ON CONFLICT (batch_number, prover_type) DO UPDATE SET assigned_at = excluded.assigned_at,
          times_assigned = times_assigned + 1`),
      assignment: this.db.prepare('SELECT assigned_at, times_assigned FROM assignments WHERE batch_number = ? AND prover_type = ?'),
      proof: this.db.prepare('SELECT proof, public_values, submitted_at, checked FROM proofs WHERE batch_number = ? AND prover_type = ?'),
      insertProof: this.db.prepare(
        'INSERT OR IGNORE INTO proofs (batch_number, prover_type, proof, public_values, submitted_at, checked) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      expected: this.db.prepare('SELECT expected_public_values FROM batches WHERE batch_number = ?').pluck(),
      setExpected: this.db.prepare('UPDATE batches SET expected_public_values = ? WHERE batch_number = ?'),
      total: this.db.prepare('SELECT COUNT(*) FROM batches').pluck(),
      provenByType: this.db.prepare('SELECT prover_type, COUNT(*) AS n FROM proofs GROUP BY prover_type'),
      assignedByType: this.db.prepare(`
        SELECT a.prover_type, COUNT(*) AS n FROM assignments a
        WHERE a.assigned_at > ? AND NOT EXISTS
          (SELECT 1 FROM proofs p WHERE p.batch_number = a.batch_number AND p.prover_type = a.prover_type)
        GROUP BY a.prover_type`),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  hasSource(source: string): boolean {
    return this.stmts.hasSource.get(source) !== undefined
  }

  /** Append batches in the given order, numbered after the last stored one. Returns the numbers given. */
  addBatches(batches: Omit<StoredBatch, 'batchNumber'>[]): number[] {
    const now = Date.now()
    return this.db.transaction(() => {
      let n = this.stmts.maxBatch.get() as number
      const numbers: number[] = []
      for (const b of batches) {
        n += 1
        this.stmts.insertBatch.run(n, b.source, b.firstBlock, b.lastBlock, b.input, now)
        numbers.push(n)
      }
      return numbers
    })()
  }

  lastBlock(): number | null {
    return (this.stmts.lastBlock.get() as number | null) ?? null
  }

  batch(batchNumber: number): StoredBatch | undefined {
    const row = this.stmts.batch.get(batchNumber) as
      | { batch_number: number; source: string; first_block: number; last_block: number; input: Buffer }
      | undefined
    if (!row) return undefined
    return { batchNumber: row.batch_number, source: row.source, firstBlock: row.first_block, lastBlock: row.last_block, input: u8(row.input) }
  }

  /**
   * ethrex's assignment rule: the lowest batch with no proof of this type whose last assignment to this type
   * is older than the timeout. Marks it assigned now. Synchronous, so two requests can never get the same batch.
   */
  assignNext(
    proverType: ProverType,
    proverTimeoutMs: number,
    now = Date.now(),
    /** Only batches made for `proverVersion`; batches not yet stamped become `currentVersion`'s first. */
    versions?: { proverVersion: string; currentVersion: string },
  ): number | null {
    return this.db.transaction(() => {
      const args = { type: proverType, cutoff: now - proverTimeoutMs }
      let n: number | undefined
      if (versions === undefined) n = this.stmts.nextUnassigned.get(args) as number | undefined
      else {
        this.stmts.stampVersion.run(versions.currentVersion)
        n = this.stmts.nextUnassignedForVersion.get({ ...args, version: versions.proverVersion }) as number | undefined
      }
      if (n === undefined) return null
      this.stmts.assign.run(n, proverType, now)
      return n
    })()
  }

  assignment(batchNumber: number, proverType: ProverType): { assignedAt: number; timesAssigned: number } | undefined {
    const row = this.stmts.assignment.get(batchNumber, proverType) as { assigned_at: number; times_assigned: number } | undefined
    return row && { assignedAt: row.assigned_at, timesAssigned: row.times_assigned }
  }

  proof(batchNumber: number, proverType: ProverType): StoredProof | undefined {
    const row = this.stmts.proof.get(batchNumber, proverType) as { proof: Buffer; public_values: Buffer; submitted_at: number; checked: string | null } | undefined
    return row && { batchNumber, proverType, proof: u8(row.proof), publicValues: u8(row.public_values), submittedAt: row.submitted_at, checked: row.checked ?? undefined }
  }

  /** Store a proof; the first accepted proof per (batch, type) wins. Returns false if one was already there. */
  addProof(p: Omit<StoredProof, 'submittedAt'>): boolean {
    return this.stmts.insertProof.run(p.batchNumber, p.proverType, p.proof, p.publicValues, Date.now(), p.checked ?? null).changes === 1
  }

  expectedPublicValues(batchNumber: number): Uint8Array | undefined {
    const v = this.stmts.expected.get(batchNumber) as Buffer | null | undefined
    return v ? u8(v) : undefined
  }

  setExpectedPublicValues(batchNumber: number, values: Uint8Array): void {
    this.stmts.setExpected.run(values, batchNumber)
  }

  counts(types: readonly ProverType[], proverTimeoutMs: number, now = Date.now()): BatchCounts {
    const total = this.stmts.total.get() as number
    const proven: Record<string, number> = {}
    const assigned: Record<string, number> = {}
    const pending: Record<string, number> = {}
    for (const t of types) proven[t] = assigned[t] = 0
    for (const r of this.stmts.provenByType.all() as { prover_type: string; n: number }[]) proven[r.prover_type] = r.n
    for (const r of this.stmts.assignedByType.all(now - proverTimeoutMs) as { prover_type: string; n: number }[]) assigned[r.prover_type] = r.n
    for (const t of types) pending[t] = total - (proven[t] ?? 0) - (assigned[t] ?? 0)
    return { total, pending, assigned, proven }
  }

  meta(key: string): string | undefined {
    return this.stmts.getMeta.get(key) as string | undefined
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value)
  }
}
