import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { executeStateless } from '../guest/execute.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { loadBlockSet, loadRealChainSet, type BlockSetOptions } from './suites/blockset.js'

/**
 * What this machine allows two guests side by side, with no pool at all: the same work as the replay suite
 * run by one process alone, then by two independent processes at once (no shared heap, no worker threads,
 * no transfers). Their combined throughput over one process's is the ceiling a 2-worker pool can reach here;
 * the replay suite reports it next to the pool's own ratio.
 *
 * Two children load the block set and warm up on all of it, then stay alive; the caller runs the two phases
 * (child 0 alone; both together) in the same interleaved rounds as what it compares them with, so a machine
 * that slows down or speeds up during the run weighs on all alike. The children run under the parent's
 * execArgv (the CLI's `--single-threaded`).
 */

interface ChildReport {
  gas: number
  seconds: number
}

/**
 * `repeat`: how many times a phase runs the set (the replay suite repeats a small set the same way);
 * `warmPasses`: passes over the set before the first phase, as the suite warms its workers.
 */
type SetChoice = Pick<BlockSetOptions, 'quick' | 'sources' | 'maxEntries'> & { set?: 'real'; repeat?: number; warmPasses?: number }

async function child(set: SetChoice): Promise<void> {
  const entries = set.set === 'real' ? await loadRealChainSet() : await loadBlockSet({ ...set, log: () => {} })
  const native = await hostGuestOptions()
  for (let pass = 0; pass < (set.warmPasses ?? 1); pass++) for (const e of entries) await executeStateless(e.input, native)
  // Largest first, as the replay suite submits them.
  const ordered = [...entries].sort((a, b) => (a.gas > b.gas ? -1 : a.gas < b.gas ? 1 : 0))
  process.on('message', async () => {
    const start = performance.now()
    let gas = 0
    for (let r = 0; r < (set.repeat ?? 1); r++) {
      for (const e of ordered) {
        await executeStateless(e.input, native)
        gas += Number(e.gas)
      }
    }
    process.send!({ gas, seconds: (performance.now() - start) / 1000 } satisfies ChildReport)
  })
  process.send!({ ready: true })
}

function nextMessage<T>(c: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench child exited with ${code} before it ${what}`))
    c.once('exit', onExit)
    c.once('message', (m) => {
      c.off('exit', onExit)
      resolve(m as T)
    })
  })
}

/**
 * Two warm guest processes kept alive, so that a caller can interleave their phases with its own
 * measurements (the replay suite runs them in the same rounds as its pools). `close()` ends them.
 */
export interface ProcessPair {
  /** Child 0 alone over the set; Mgas/s. */
  runOne(): Promise<number>
  /** Both children at once over the set; combined Mgas/s. */
  runTwo(): Promise<number>
  close(): void
}

export async function startProcessPair(set: SetChoice): Promise<ProcessPair> {
  const script = fileURLToPath(import.meta.url)
  const children = [0, 1].map(() => fork(script, ['--child', JSON.stringify(set)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }))
  const close = () => {
    for (const c of children) if (c.exitCode === null) c.kill()
  }
  try {
    await Promise.all(children.map((c) => nextMessage(c, 'was ready')))
  } catch (e) {
    close()
    throw e
  }
  const run = async (which: ChildProcess[]) => {
    const reports = which.map((c) => nextMessage<ChildReport>(c, 'reported'))
    for (const c of which) c.send({ run: true })
    return (await Promise.all(reports)).reduce((sum, rep) => sum + rep.gas / 1e6 / rep.seconds, 0)
  }
  return { runOne: () => run([children[0]!]), runTwo: () => run(children), close }
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child')
  child(JSON.parse(process.argv[i + 1]!) as SetChoice).catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
