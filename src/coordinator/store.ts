import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { TesseraError } from '../../guest/errors.js'
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
  /**
   * What the coordinator checked before storing, joined by '+': 'public_values' (re-derived by running the
   * batch through the guest here and compared), 'proof' (the bytes accepted by this coordinator's verifier
   * for the prover type), or 'nothing'. See isVerifiedProof.
   */
  checked?: string
  /** The named prover (--auth-tokens) that submitted it; undefined without per-prover tokens. */
  submittedBy?: string
}

/**
 * Whether a stored proof was checked: an Exec proof by re-execution (its public values), a zkVM proof by a
 * verifier. Anything else was stored on the operator's word (--trust-unverified); rows from before the
 * `checked` column (null) count as unverified.
 */
export function isVerifiedProof(proverType: ProverType, checked: string | null | undefined): boolean {
  const parts = (checked ?? '').split('+')
  return proverType === 'Exec' ? parts.includes('public_values') : parts.includes('proof')
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
CREATE TABLE IF NOT EXISTS assignees (
  batch_number INTEGER NOT NULL,
  prover_type TEXT NOT NULL,
  prover_id TEXT NOT NULL,
  PRIMARY KEY (batch_number, prover_type, prover_id)
);
`

/** PRAGMA application_id of a Tessera store ("TSRA"); files made before it was set have 0 and our tables. */
const APPLICATION_ID = 0x54535241
const SQLITE_MAGIC = 'SQLite format 3\0'

/** The file given as a store is not one, or is damaged. Names the file; `hint` says what to do. */
export class StoreRefused extends TesseraError {
  readonly path: string
  constructor(path: string, reason: string, hint?: string) {
    super(`store ${path}: ${reason}`, hint ?? 'move the file away (or pass --db NEW_FILE); inspect it with tessera coordinator --check-db --db FILE')
    this.path = path
  }
}

/** Refuse, before SQLite touches it, a file that cannot be a store: empty, or not SQLite at all. */
function checkFileBeforeOpen(path: string): void {
  if (path === ':memory:' || !existsSync(path)) return
  const st = statSync(path)
  if (!st.isFile()) throw new StoreRefused(path, 'not a regular file')
  if (st.size === 0) throw new StoreRefused(path, 'the file is empty (0 bytes); a store is never empty, so its proofs are gone or this is the wrong file')
  const head = Buffer.alloc(16)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, head, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) throw new StoreRefused(path, 'not a SQLite database (wrong header)')
}

/** PRAGMA quick_check; the first problems it reports, or [] when the file is sound. */
function quickCheck(db: Database.Database, limit = 10): string[] {
  const rows = db.pragma(`quick_check(${limit})`) as { quick_check: string }[]
  const problems = rows.map((r) => r.quick_check).filter((t) => t !== 'ok')
  return problems
}

/**
 * The tables and first-release columns of a Tessera store. A file without our application_id (stores made
 * before it was set have 0) is taken as ours only if its tables are among these and have these columns; any
 * other database, even one with tables named `batches` and `proofs`, is refused before it is written to.
 */
const OUR_TABLES: Record<string, string[]> = {
  batches: ['batch_number', 'source', 'first_block', 'last_block', 'input', 'expected_public_values', 'created_at'],
  assignments: ['batch_number', 'prover_type', 'assigned_at', 'times_assigned'],
  proofs: ['batch_number', 'prover_type', 'proof', 'public_values', 'submitted_at'],
  meta: ['key', 'value'],
  assignees: ['batch_number', 'prover_type', 'prover_id'],
}

/**
 * Foreign databases and damaged files are refused; a fresh file (no tables) becomes a store. Read-only:
 * nothing in a file that is refused is changed (no migration, no application_id, no WAL switch).
 */
function checkIdentity(path: string): void {
  if (path === ':memory:' || !existsSync(path)) return
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch (e) {
    throw new StoreRefused(path, `cannot open (${(e as Error).message.slice(0, 200)})`)
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]).sort()
    if (appId !== APPLICATION_ID && appId !== 0) throw new StoreRefused(path, `another program's database (application_id ${appId})`)
    if (appId === 0 && tables.length > 0) {
      const foreign = tables.filter((t) => !(t in OUR_TABLES))
      const missingTable = ['batches', 'proofs'].some((t) => !tables.includes(t))
      if (foreign.length > 0 || missingTable) throw new StoreRefused(path, `not a Tessera store (tables: ${tables.slice(0, 8).join(', ')})`)
      for (const table of tables) {
        const columns = db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]
        const missing = OUR_TABLES[table].filter((c) => !columns.includes(c))
        if (missing.length > 0) {
          throw new StoreRefused(path, `not a Tessera store (table ${table} has no column ${missing.slice(0, 4).join(', ')}); left unchanged`)
        }
      }
    }
    const problems = quickCheck(db)
    if (problems.length > 0) throw new StoreRefused(path, `integrity check failed: ${problems.slice(0, 3).join('; ').slice(0, 300)}`)
  } catch (e) {
    if (e instanceof StoreRefused) throw e
    throw new StoreRefused(path, `unreadable (${(e as Error).message.slice(0, 200)})`)
  } finally {
    db.close()
  }
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

export class CoordinatorStore {
  readonly db: Database.Database
  private readonly stmts

  readonly path: string

  /**
   * Open (or create) a store. An existing file must be a sound Tessera store: empty files, non-SQLite files,
   * other programs' databases and files failing PRAGMA quick_check are refused with StoreRefused naming it.
   */
  constructor(path: string) {
    this.path = path
    checkFileBeforeOpen(path)
    checkIdentity(path)
    try {
      this.db = new Database(path)
    } catch (e) {
      throw new StoreRefused(path, `cannot open (${(e as Error).message.slice(0, 200)})`)
    }
    try {
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = FULL')
      this.db.pragma('busy_timeout = 5000')
      this.db.exec(SCHEMA)
      this.migrate()
      if (this.db.pragma('application_id', { simple: true }) !== APPLICATION_ID) this.db.pragma(`application_id = ${APPLICATION_ID}`)
    } catch (e) {
      this.db.close()
      if (e instanceof StoreRefused) throw e
      throw new StoreRefused(path, `unreadable (${(e as Error).message.slice(0, 200)})`)
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
        WHERE b.damaged IS NULL AND (@version IS NULL OR b.version = @version)
          AND NOT EXISTS (SELECT 1 FROM proofs p WHERE p.batch_number = b.batch_number AND p.prover_type = @type)
          AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.batch_number = b.batch_number AND a.prover_type = @type
                          AND a.assigned_at > @cutoff)
        ORDER BY b.batch_number LIMIT 1`).pluck(),
      assign: this.db.prepare(`
        INSERT INTO assignments (batch_number, prover_type, assigned_at, prover_id, assigned_to) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (batch_number, prover_type) DO UPDATE SET assigned_at = excluded.assigned_at,
          prover_id = excluded.prover_id, assigned_to = excluded.assigned_to, times_assigned = times_assigned + 1`),
      assignment: this.db.prepare('SELECT assigned_at, times_assigned, prover_id, assigned_to FROM assignments WHERE batch_number = ? AND prover_type = ?'),
      addAssignee: this.db.prepare('INSERT OR IGNORE INTO assignees (batch_number, prover_type, prover_id) VALUES (?, ?, ?)'),
      wasAssignee: this.db.prepare('SELECT 1 FROM assignees WHERE batch_number = ? AND prover_type = ? AND prover_id = ?').pluck(),
      stampVersion: this.db.prepare('UPDATE batches SET version = ? WHERE version IS NULL'),
      markDamaged: this.db.prepare('UPDATE batches SET damaged = ? WHERE batch_number = ?'),
      damaged: this.db.prepare('SELECT batch_number, damaged FROM batches WHERE damaged IS NOT NULL ORDER BY batch_number'),
      proof: this.db.prepare('SELECT proof, public_values, submitted_at, checked, submitted_by FROM proofs WHERE batch_number = ? AND prover_type = ?'),
      insertProof: this.db.prepare(
        'INSERT OR IGNORE INTO proofs (batch_number, prover_type, proof, public_values, submitted_at, checked, submitted_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      replaceProof: this.db.prepare(
        'UPDATE proofs SET proof = ?, public_values = ?, submitted_at = ?, checked = ?, submitted_by = ? WHERE batch_number = ? AND prover_type = ? AND checked IS ?',
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

  /** Columns added after the first release; old stores gain them in place. */
  private migrate(): void {
    const has = (table: string, column: string) =>
      (this.db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]).includes(column)
    if (!has('assignments', 'prover_id')) this.db.exec('ALTER TABLE assignments ADD COLUMN prover_id TEXT')
    if (!has('batches', 'damaged')) this.db.exec('ALTER TABLE batches ADD COLUMN damaged TEXT')
    // The program version a batch was made for (ethrex keeps prover inputs per version); NULL until a
    // coordinator first serves it, which stamps its own.
    if (!has('batches', 'version')) this.db.exec('ALTER TABLE batches ADD COLUMN version TEXT')
    if (!has('proofs', 'checked')) this.db.exec('ALTER TABLE proofs ADD COLUMN checked TEXT')
    // Who, by the name of its auth token (--auth-tokens), took a batch last and submitted its proof.
    if (!has('assignments', 'assigned_to')) this.db.exec('ALTER TABLE assignments ADD COLUMN assigned_to TEXT')
    if (!has('proofs', 'submitted_by')) this.db.exec('ALTER TABLE proofs ADD COLUMN submitted_by TEXT')
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
    proverId: string | null = null,
    /** Only batches made for `proverVersion`; batches not yet stamped become `currentVersion`'s first. */
    versions?: { proverVersion: string; currentVersion: string },
    /** The named prover taking it (its --auth-tokens name), kept as `assigned_to`. */
    assignedTo: string | null = null,
  ): number | null {
    return this.db.transaction(() => {
      if (versions !== undefined) this.stmts.stampVersion.run(versions.currentVersion)
      const version = versions?.proverVersion ?? null
      const n = this.stmts.nextUnassigned.get({ type: proverType, cutoff: now - proverTimeoutMs, version }) as number | undefined
      if (n === undefined) return null
      this.stmts.assign.run(n, proverType, now, proverId, assignedTo)
      if (proverId !== null) this.stmts.addAssignee.run(n, proverType, proverId)
      return n
    })()
  }

  /**
   * `proverId`: who it was assigned to (its address key); null for old rows. `assignedTo`: the named prover
   * (--auth-tokens) that took it last, null without per-prover tokens.
   */
  assignment(batchNumber: number, proverType: ProverType): { assignedAt: number; timesAssigned: number; proverId: string | null; assignedTo: string | null } | undefined {
    const row = this.stmts.assignment.get(batchNumber, proverType) as { assigned_at: number; times_assigned: number; prover_id: string | null; assigned_to: string | null } | undefined
    return row && { assignedAt: row.assigned_at, timesAssigned: row.times_assigned, proverId: row.prover_id, assignedTo: row.assigned_to }
  }

  /** Record one more key the batch's assignee is known by (the coordinator: a lease's hash). */
  addAssignee(batchNumber: number, proverType: ProverType, key: string): void {
    this.stmts.addAssignee.run(batchNumber, proverType, key)
  }

  /** Whether this prover was ever given the batch (a late proof from an earlier holder is still welcome). */
  wasAssignedTo(batchNumber: number, proverType: ProverType, proverId: string): boolean {
    return this.stmts.wasAssignee.get(batchNumber, proverType, proverId) !== undefined
  }

  /** Take a batch whose row cannot be used out of assignment (kept, with why, for --check-db). */
  markDamaged(batchNumber: number, reason: string): void {
    this.stmts.markDamaged.run(reason.slice(0, 500), batchNumber)
  }

  damagedBatches(): { batchNumber: number; reason: string }[] {
    return (this.stmts.damaged.all() as { batch_number: number; damaged: string }[]).map((r) => ({ batchNumber: r.batch_number, reason: r.damaged }))
  }

  proof(batchNumber: number, proverType: ProverType): StoredProof | undefined {
    const row = this.stmts.proof.get(batchNumber, proverType) as
      | { proof: Buffer; public_values: Buffer; submitted_at: number; checked: string | null; submitted_by: string | null }
      | undefined
    return (
      row && {
        batchNumber,
        proverType,
        proof: u8(row.proof),
        publicValues: u8(row.public_values),
        submittedAt: row.submitted_at,
        checked: row.checked ?? undefined,
        submittedBy: row.submitted_by ?? undefined,
      }
    )
  }

  /** Store a proof; the first accepted proof per (batch, type) wins. Returns false if one was already there. */
  addProof(p: Omit<StoredProof, 'submittedAt'>): boolean {
    return this.stmts.insertProof.run(p.batchNumber, p.proverType, p.proof, p.publicValues, Date.now(), p.checked ?? null, p.submittedBy ?? null).changes === 1
  }

  /** Put a verified proof in place of a stored unverified one. False when none is stored or it is verified. */
  replaceUnverifiedProof(p: Omit<StoredProof, 'submittedAt'>): boolean {
    return this.db.transaction(() => {
      const stored = this.proof(p.batchNumber, p.proverType)
      if (!stored || isVerifiedProof(p.proverType, stored.checked)) return false
      return this.stmts.replaceProof.run(p.proof, p.publicValues, Date.now(), p.checked ?? null, p.submittedBy ?? null, p.batchNumber, p.proverType, stored.checked ?? null).changes === 1
    })()
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
