import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { executeStateless } from '../guest/execute.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { loadBlockSet, type BlockSetOptions } from './suites/blockset.js'

/**
 * What this machine allows two guests side by side, with no pool at all: the same work as the replay suite
 * run by one process, then by two independent processes started together (no shared heap, no worker
 * threads, no transfers). Their combined throughput over one process's is the ceiling a 2-worker pool can
 * reach here; the replay suite reports it next to the pool's own ratio.
 *
 * Each child loads the block set and warms up, then runs the set `passes` times when told to start, and
 * reports gas and seconds. The children run under the parent's execArgv (the CLI's `--single-threaded`).
 */

interface ChildReport {
  gas: number
  seconds: number
}

type SetChoice = Pick<BlockSetOptions, 'quick' | 'sources' | 'maxEntries'>

async function child(set: SetChoice, passes: number): Promise<void> {
  const entries = await loadBlockSet({ ...set, log: () => {} })
  const native = await hostGuestOptions()
  for (const e of entries) await executeStateless(e.input, native)
  process.send!({ ready: true })
  await new Promise<void>((resolve) => process.once('message', () => resolve()))
  const start = performance.now()
  let gas = 0
  // Largest first, as the replay suite submits them.
  const ordered = [...entries].sort((a, b) => (a.gas > b.gas ? -1 : a.gas < b.gas ? 1 : 0))
  for (let p = 0; p < passes; p++) {
    for (const e of ordered) {
      await executeStateless(e.input, native)
      gas += Number(e.gas)
    }
  }
  const report: ChildReport = { gas, seconds: (performance.now() - start) / 1000 }
  process.send!(report, () => process.exit(0))
}

/** Run `count` children together; resolves with each child's report. */
async function runTogether(count: number, set: SetChoice, passes: number): Promise<ChildReport[]> {
  const script = fileURLToPath(import.meta.url)
  const children = Array.from({ length: count }, () =>
    fork(script, ['--child', JSON.stringify(set), String(passes)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  )
  try {
    const ready = children.map((c) => new Promise<void>((resolve, reject) => {
      c.once('message', () => resolve())
      c.once('exit', (code) => reject(new Error(`bench child exited with ${code} before it was ready`)))
    }))
    await Promise.all(ready)
    const reports = children.map((c) => new Promise<ChildReport>((resolve, reject) => {
      c.once('message', (m) => resolve(m as ChildReport))
      c.once('exit', (code) => reject(new Error(`bench child exited with ${code} before it reported`)))
    }))
    for (const c of children) c.send({ go: true })
    return await Promise.all(reports)
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill()
  }
}

/** Combined Mgas/s of two processes side by side over one process alone, same work (`passes` over the set). */
export async function processScalingBound(set: SetChoice, passes: number): Promise<{ one: number; two: number; ratio: number }> {
  const rate = (rs: ChildReport[]) => rs.reduce((sum, r) => sum + r.gas / 1e6 / r.seconds, 0)
  const one = rate(await runTogether(1, set, passes))
  const two = rate(await runTogether(2, set, passes))
  return { one, two, ratio: two / one }
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child')
  child(JSON.parse(process.argv[i + 1]!) as SetChoice, Number(process.argv[i + 2])).catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
