import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

/** `tessera demo` (npm start): coordinator + exec prover on loopback over the bundled devnet batches. */

const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url))

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** False if we had to kill it: the process did not exit by itself in time. */
  exitedByItself: boolean
}

/** Run the compiled CLI in `cwd`; kill it (and report so) if it has not exited after `limitMs`. */
function runDemo(args: string[], cwd: string, limitMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'demo', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, limitMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, exitedByItself: !killed })
    })
  })
}

const temps: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tessera-demo-test-'))
  temps.push(d)
  return d
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('tessera demo', () => {
  it(
    'proves and verifies the 4 bundled devnet batches, writes the JSON summary and exits by itself',
    async () => {
      const cwd = tempDir() // not the repo: the bundled fixtures must be found relative to the module
      const json = join(tempDir(), 'summary.json')
      const r = await runDemo(['--json', json], cwd, 110_000)
      const output = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`
      expect(r.exitedByItself, `the demo did not exit by itself\n${output}`).toBe(true)
      expect(r.code, output).toBe(0)
      expect(r.stdout).toContain('all 4 batches proven and verified')
      expect(r.stdout).toMatch(/total: 4\/4 batches proven, 12 blocks/)
      expect(r.stderr).not.toMatch(/\n\s+at /) // no stack traces

      const summary = JSON.parse(readFileSync(json, 'utf8'))
      expect(summary.verified).toBe(true)
      expect(summary.errors).toEqual([])
      expect(summary.batches).toHaveLength(4)
      expect(summary.batches.map((b: { batch: number }) => b.batch)).toEqual([1, 2, 3, 4])
      for (const b of summary.batches) {
        expect(b.verified).toBe(true)
        expect(b.blocks).toBe(3)
        expect(b.gasUsed).toBeGreaterThan(0)
        expect(b.publicValues).toMatch(/^0x[0-9a-f]{320}$/)
        expect(b.finalStateRoot).toBe(`0x${b.publicValues.slice(2 + 64, 2 + 128)}`)
      }
      expect(summary.totals).toMatchObject({ batches: 4, proven: 4, blocks: 12 })
      expect(summary.totals.gasUsed).toBeGreaterThan(0)
      expect(summary.totals.transactions).toBeGreaterThan(0)
      // The temp dir (SQLite db) is gone unless --keep.
      const kept = /db in (\S+)\)/.exec(r.stderr)?.[1]
      expect(kept).toBeDefined()
      expect(existsSync(kept!)).toBe(false)
    },
    120_000,
  )

  it('fails with a clear message when --source holds no batches', async () => {
    const empty = tempDir()
    mkdirSync(join(empty, 'sub'))
    const r = await runDemo(['--source', empty], tempDir(), 60_000)
    expect(r.exitedByItself).toBe(true)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/tessera demo: no batches in .+/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stdout).not.toContain('proven and verified')
  }, 60_000)
})
