import { spawn, type ChildProcess } from 'node:child_process'
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

/** Every line of the demo's report fits a 120-column terminal. */
function expectNarrow(stdout: string): void {
  const wide = stdout.split('\n').filter((l) => l.length > 120)
  expect(wide, `lines over 120 columns:\n${wide.join('\n')}`).toEqual([])
}

/** Run the compiled CLI in `cwd`; kill it (and report so) if it has not exited after `limitMs`. */
function runDemo(args: string[], cwd: string, limitMs: number, onStderr?: (all: string, child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'demo', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8')
      onStderr?.(stderr, child)
    })
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
      expect(r.stdout).toContain('all 4 batches executed and verified (exec backend: no zk proof)')
      expect(r.stdout).toMatch(/total: 4\/4 batches checked, 12 blocks/)
      expect(r.stdout).toMatch(/^L1 batches \(Ethereum blocks, devnet\):$/m)
      expect(r.stdout).not.toMatch(/^L2 batches/m)
      expect(r.stdout).toMatch(/note: the exec backend re-executes each batch [\s\S]*it makes no zk proof\. Real proofs: tessera prover --backend sp1\|risc0[\s\S]*docs\/ethrex-provers\.md/)
      expect(r.stderr).toMatch(/loaded 4 L1 batches \(L1 blocks 1-12, \d+ txs\)/)
      expectNarrow(r.stdout)
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

  /** The Hardhat node the loop started (pid from the progress line) must be gone once the demo has exited. */
  function expectNodeGone(stderr: string): void {
    const pid = Number(/L1 node at http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(stderr)?.[1])
    expect(pid, stderr).toBeGreaterThan(0)
    expect(() => process.kill(pid, 0), `hardhat node ${pid} still running`).toThrow()
  }

  it(
    '--l2: after the L1+L2 batches, the deposit -> prove -> verify -> withdraw -> claim loop with exact balances and every negative case reverted',
    async () => {
      const json = join(tempDir(), 'summary.json')
      const r = await runDemo(['--l2', '--json', json], tempDir(), 170_000)
      const output = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`
      expect(r.exitedByItself, `the demo did not exit by itself\n${output}`).toBe(true)
      expect(r.code, output).toBe(0)
      expect(r.stdout).toContain('all 7 batches executed and verified (exec backend: no zk proof)')
      expectNarrow(r.stdout)
      // L1 and L2 batches in their own sections, each with its own block numbers.
      const l1 = r.stdout.indexOf('L1 batches (Ethereum blocks, devnet):')
      const l2 = r.stdout.indexOf('L2 batches (ethrex L2 devnet, fixtures/l2; its own block numbers):')
      expect(l1).toBeGreaterThanOrEqual(0)
      expect(l2).toBeGreaterThan(l1)
      expect(r.stdout.slice(l1, l2)).toMatch(/cache_chain1337_10-12\.json +10-12/)
      expect(r.stdout.slice(l1, l2)).not.toContain('cache_batch_')
      expect(r.stdout.slice(l2)).toMatch(/cache_batch_3\.json +5-6/)
      expect(r.stderr).toMatch(/loaded 4 L1 batches \(L1 blocks 1-12, \d+ txs\)/)
      expect(r.stderr).toMatch(/loaded 3 L2 batches \(L2 blocks 1-6, \d+ txs\)/)
      expect(r.stdout).toMatch(/^L1 node http:\/\/127\.0\.0\.1:\d+\n  user +0x70997970C51812dc3A010C7d01b50e0d17dc79C8/m)
      for (const reason of [
        'CommonBridge: the batch that emitted the withdrawal logs was not verified',
        'OnChainProposer: public values do not match the batch commitment',
        'CommonBridge: Invalid proof',
        'CommonBridge: the withdrawal was already claimed',
      ])
        expect(r.stdout).toContain(reason)
      expect(r.stdout).toMatch(/negative cases \(5, each reverted with the contract's reason\)/)
      // Changes per step in ETH and token units: the deposit credited on L2, the withdrawal, the claims.
      expect(r.stdout).toMatch(/^4 +L2 batch 2: deposits credited, commit on L1 +\. +\. +\+3 +\. +\+1000$/m)
      expect(r.stdout).toMatch(/^7 +L2 batch 3: withdraw 1 ETH \+ 400 units, commit +\. +\. +-1\.0000\d\d +\. +-400$/m)
      expect(r.stdout).toMatch(/^11 +L1 claim 400 ERC-20 units, Merkle proof +-0\.0000\d\d +0\.0000\d\d +\. +\+400 +\.$/m)
      expect(r.stdout).toMatch(/user's balances after: +L1 [\d.]+ ETH and 999999999999999999999400 token units; L2 1\.99\d+ ETH and 600 token units/)
      expect(r.stdout).toContain('L1 <-> L2 loop done: deposits credited, 3 batches verified on L1, withdrawals claimed; 5 negative cases reverted')
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expectNodeGone(r.stderr)

      const loop = JSON.parse(readFileSync(json, 'utf8')).loop
      expect(loop.negatives.map((n: { case: string }) => n.case)).toEqual([
        'claim before the batch is verified',
        'verifyBatches with wrong public values',
        'claim with a wrong Merkle proof',
        'claim with a wrong amount',
        'second claim of the same withdrawal',
      ])
      expect(loop.lastVerifiedBatch).toBe('3')
      expect(loop.bridgeEth).toBe('2000000000000000000')
      expect(loop.bridgeToken).toBe('600')
      // L1 ETH over the loop: exactly -3 ETH deposited +1 ETH claimed -gas paid, to the wei.
      const steps = loop.steps as { before: { l1Eth: string }; after: { l1Eth: string }; l1GasWei: string }[]
      const gas = steps.reduce((n, s) => n + BigInt(s.l1GasWei), 0n)
      expect(BigInt(steps[steps.length - 1].after.l1Eth)).toBe(BigInt(steps[0].before.l1Eth) - 3n * 10n ** 18n + 10n ** 18n - gas)
      for (const s of steps) if (BigInt(s.l1GasWei) > 0n) expect(BigInt(s.after.l1Eth)).not.toBe(BigInt(s.before.l1Eth))
    },
    180_000,
  )

  it('--l2: SIGINT during the loop stops the Hardhat node and everything else, exit 1 with a message', async () => {
    let sent = false
    const r = await runDemo(['--l2'], tempDir(), 120_000, (all, child) => {
      if (!sent && /loop: L1 node at .*\(pid \d+\)/.test(all)) {
        sent = true
        child.kill('SIGINT')
      }
    })
    const output = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`
    expect(sent, output).toBe(true)
    expect(r.exitedByItself, `the demo did not exit after SIGINT\n${output}`).toBe(true)
    expect(r.code, output).toBe(1)
    expect(r.stderr).toMatch(/tessera demo: the L1 <-> L2 loop failed: interrupted/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expectNodeGone(r.stderr)
  }, 130_000)
})
