import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { checkDb, formatDbReport } from '../src/coordinator/checkDb.js'
import { CoordinatorStore, StoreRefused } from '../src/coordinator/store.js'
import { encodeProgramInput } from '../src/witness/programInput.js'
import { runCli, syntheticInput } from './support/coordinator-kit.js'
import { onCleanup, request, startCoordinator, tempDir } from './support/reliability-kit.js'

/**
 * Issue 13, item 6: a damaged store is found at start and refused naming the file; an empty or foreign file
 * is never taken for a fresh store; `--check-db` reports; one bad row strands nothing.
 */

function refusal(path: string): StoreRefused {
  let error: unknown
  try {
    new CoordinatorStore(path).close()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(StoreRefused)
  expect((error as Error).message).toContain(path)
  return error as StoreRefused
}

/** A store with `n` batches of ~`bytes` each (so it spans many pages), closed. */
function filledStore(n: number, bytes = 4000): string {
  const path = join(tempDir(), 'c.db')
  const store = new CoordinatorStore(path)
  store.addBatches(Array.from({ length: n }, (_, i) => ({ source: `s${i}`, firstBlock: i, lastBlock: i, input: encodeProgramInput(syntheticInput(i + 1, bytes)) })))
  store.db.pragma('wal_checkpoint(TRUNCATE)')
  store.close()
  return path
}

describe('store integrity', () => {
  it('refuses an empty file, a non-SQLite file and another program\'s database, naming the file', () => {
    const dir = tempDir()
    const empty = join(dir, 'empty.db')
    writeFileSync(empty, '')
    expect(refusal(empty).message).toMatch(/empty \(0 bytes\)/)
    const text = join(dir, 'notes.db')
    writeFileSync(text, 'hello, not a database at all'.repeat(100))
    expect(refusal(text).message).toMatch(/not a SQLite database/)
    const foreign = join(dir, 'foreign.db')
    const db = new Database(foreign)
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)')
    db.close()
    expect(refusal(foreign).message).toMatch(/not a Tessera store \(tables: users\)/)
    // Tables named like ours are not enough: the file is refused before anything in it changes.
    const lookalike = join(dir, 'lookalike.db')
    const other = new Database(lookalike)
    other.exec('CREATE TABLE batches (id INTEGER PRIMARY KEY, label TEXT); CREATE TABLE proofs (id INTEGER, body BLOB)')
    other.close()
    const before = readFileSync(lookalike)
    expect(refusal(lookalike).message).toMatch(/not a Tessera store \(table batches has no column batch_number/)
    expect(readFileSync(lookalike).equals(before)).toBe(true)
    expect(existsSync(`${lookalike}-wal`)).toBe(false)
    // A sound store with a proof stored on trust: still ok, the proof named as unverified.
    const trusted = join(dir, 'trusted.db')
    const t = new CoordinatorStore(trusted)
    t.addBatches([{ source: 's1', firstBlock: 1, lastBlock: 1, input: encodeProgramInput(syntheticInput(1)) }])
    t.addProof({ batchNumber: 1, proverType: 'Exec', proof: Uint8Array.of(0), publicValues: new Uint8Array(0), checked: 'nothing' })
    t.close()
    const report = checkDb(trusted)
    expect(report).toMatchObject({ ok: true, unverified: [{ batchNumber: 1, proverType: 'Exec', checked: 'nothing' }] })
    expect(formatDbReport(report)).toMatch(/batch 1 Exec proof: unverified \(checked: nothing\)/)
    // A new path is a fresh store; reopening it is fine.
    const fresh = join(dir, 'fresh.db')
    new CoordinatorStore(fresh).close()
    new CoordinatorStore(fresh).close()
  })

  it('refuses a store damaged mid-file at start, and --check-db names the problem', () => {
    const path = filledStore(60)
    const size = statSync(path).size
    const fd = openSync(path, 'r+')
    try {
      // Overwrite a few pages in the middle (B-tree pages of the batches table) with garbage.
      writeSync(fd, Buffer.alloc(3 * 4096, 0x6b), 0, 3 * 4096, Math.floor(size / 2 / 4096) * 4096)
    } finally {
      closeSync(fd)
    }
    expect(refusal(path).message).toMatch(/integrity check failed|unreadable|malformed/)
    const report = checkDb(path)
    expect(report.ok).toBe(false)
    expect(report.problems.join('\n')).toContain(path)
  })

  it('a batch row that cannot be decoded is set aside; the batches after it are served', async () => {
    const c = await startCoordinator()
    c.store.addBatches([
      { source: 'bad', firstBlock: 1, lastBlock: 1, input: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) },
      { source: 'good', firstBlock: 2, lastBlock: 2, input: encodeProgramInput(syntheticInput(2)) },
    ])
    expect(await request(c.address, 'p')).toMatchObject({ kind: 'BatchResponse', batchNumber: 2 })
    expect(await request(c.address, 'p')).toMatchObject({ kind: 'BatchResponse', batchNumber: null })
    expect(c.store.damagedBatches()).toEqual([{ batchNumber: 1, reason: expect.stringMatching(/RLP|input/) }])
    expect(c.lines.some((l) => l.batch === 1 && /damaged/.test(String(l.msg)))).toBe(true)
  })

  it('tessera coordinator --check-db: exit 0 on a sound store, 1 naming bad rows; the coordinator refuses an empty --db', async () => {
    const sound = filledStore(3, 10)
    const ok = runCli(['coordinator', '--check-db', '--db', sound])
    onCleanup(() => ok.kill())
    expect(await ok.exited).toBe(0)
    expect(ok.lines.join('\n')).toMatch(/: ok \(3 batches, 0 proofs\)/)

    const withBadRow = filledStore(2, 10)
    const store = new CoordinatorStore(withBadRow)
    store.addBatches([{ source: 'junk', firstBlock: 9, lastBlock: 9, input: Uint8Array.of(1, 2, 3) }])
    store.close()
    const bad = runCli(['coordinator', '--check-db', '--db', withBadRow])
    onCleanup(() => bad.kill())
    expect(await bad.exited).toBe(1)
    expect(bad.lines.join('\n')).toMatch(/batch 3: /)

    const empty = join(tempDir(), 'empty.db')
    writeFileSync(empty, '')
    const refused = runCli(['coordinator', '--source', tempDir(), '--db', empty, '--listen', '127.0.0.1:0'])
    onCleanup(() => refused.kill())
    expect(await refused.exited).toBe(2)
    expect(refused.lines.join('\n')).toContain(`store ${empty}: the file is empty`)
  }, 60_000)
})
