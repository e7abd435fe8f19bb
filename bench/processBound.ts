import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { executeStateless } from '../guest/execute.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { loadBlockSet, type BlockSetOptions } from './suites/blockset.js'

/**
 * What this machine allows two guests side by side, with no pool at all: the same work as the replay suite
 * run by one process alone, then by two independent processes at once (no shared heap, no worker threads,
 * no transfers). Their combined throughput over one process's is the ceiling a 2-worker pool can reach here;
 * the replay suite reports it next to the pool's own ratio.
 *
 * Two children load the block set and warm up on all of it, then stay alive. Each round runs the two phases
 * (child 0 alone; both together), in alternating order, so a machine that slows down or speeds up during the
 * run weighs on both phases alike. The children run under the parent's execArgv (the CLI's `--single-threaded`).
 */

interface ChildReport {
  gas: number
  seconds: number
}

type SetChoice = Pick<BlockSetOptions, 'quick' | 'sources' | 'maxEntries'>

async function child(set: SetChoice): Promise<void> {
  const entries = await loadBlockSet({ ...set, log: () => {} })
  const native = await hostGuestOptions()
  for (const e of entries) await executeStateless(e.input, native)
  // Largest first, as the replay suite submits them.
  const ordered = [...entries].sort((a, b) => (a.gas > b.gas ? -1 : a.gas < b.gas ? 1 : 0))
  process.on('message', async (m: { run?: boolean; exit?: boolean }) => {
    if (m.exit) process.exit(0)
    const start = performance.now()
    let gas = 0
    for (const e of ordered) {
      await executeStateless(e.input, native)
      gas += Number(e.gas)
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

export interface ProcessBound {
  /** Mgas/s of one process alone, over all rounds. */
  one: number
  /** Combined Mgas/s of two processes at once, over all rounds. */
  two: number
  ratio: number
  /** two / one of each round. */
  perRound: number[]
}

/** Combined Mgas/s of two processes side by side over one process alone, same work, `rounds` alternations. */
export async function processScalingBound(set: SetChoice, rounds: number): Promise<ProcessBound> {
  const script = fileURLToPath(import.meta.url)
  const children = [0, 1].map(() => fork(script, ['--child', JSON.stringify(set)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }))
  try {
    await Promise.all(children.map((c) => nextMessage(c, 'was ready')))
    const run = async (which: ChildProcess[]) => {
      const reports = which.map((c) => nextMessage<ChildReport>(c, 'reported'))
      for (const c of which) c.send({ run: true })
      return Promise.all(reports)
    }
    // Totals per phase and child: gas and seconds summed over the rounds.
    const alone = { gas: 0, seconds: 0 }
    const together = children.map(() => ({ gas: 0, seconds: 0 }))
    const perRound: number[] = []
    for (let r = 0; r < rounds; r++) {
      let one = 0
      let two = 0
      for (const phase of r % 2 === 0 ? ['one', 'two'] : ['two', 'one']) {
        if (phase === 'one') {
          const [rep] = await run([children[0]!])
          alone.gas += rep!.gas
          alone.seconds += rep!.seconds
          one = rep!.gas / 1e6 / rep!.seconds
        } else {
          const reps = await run(children)
          two = reps.reduce((sum, rep) => sum + rep.gas / 1e6 / rep.seconds, 0)
          reps.forEach((rep, i) => {
            together[i]!.gas += rep.gas
            together[i]!.seconds += rep.seconds
          })
        }
      }
      perRound.push(two / one)
    }
    const one = alone.gas / 1e6 / alone.seconds
    const two = together.reduce((sum, t) => sum + t.gas / 1e6 / t.seconds, 0)
    return { one, two, ratio: two / one, perRound }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill()
  }
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child')
  child(JSON.parse(process.argv[i + 1]!) as SetChoice).catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
