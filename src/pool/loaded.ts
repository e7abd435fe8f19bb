import { parentPort, threadId } from 'node:worker_threads'
import type { Piscina } from 'piscina'

/**
 * Stopping a pool only once its workers have loaded their module. Node 20 aborts the whole process
 * ("v8::Module::IsGraphAsync must be used on an instantiated module") when a worker thread is terminated
 * while Piscina is still loading the worker's ES module graph; a pool destroyed just after it started (a
 * `replay file` that refuses its only input before running it) did that about one time in twenty.
 */

const LOADED = 'tesseraWorkerLoaded'

/** Worker side: call at the end of a worker module; its graph is instantiated by then. */
export function announceLoaded(): void {
  parentPort?.postMessage({ [LOADED]: threadId })
}

/** How long destroy waits for a worker that never finishes loading before terminating it anyway. */
const LOAD_WAIT_MS = 30_000

/**
 * Main side: `destroy()` for `pool` (`stop`, by default Piscina's own) that first waits (at most 30 s) until every worker it started has announced
 * its module loaded or has exited. Running tasks are not waited for: a loaded worker is terminated as before.
 */
export function destroyWhenLoaded(pool: Piscina, stop: () => Promise<void> = () => pool.destroy()): () => Promise<void> {
  const loaded = new Set<number>()
  let changed: (() => void) | undefined
  pool.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && LOADED in m) {
      loaded.add((m as Record<string, number>)[LOADED]!)
      changed?.()
    }
  })
  pool.on('workerDestroy', () => changed?.())
  const allLoaded = () => pool.threads.every((w) => loaded.has(w.threadId) || w.threadId < 0)
  return async () => {
    const deadline = Date.now() + LOAD_WAIT_MS
    while (!allLoaded() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        changed = resolve
        setTimeout(resolve, 50) // ref'd: the loading workers are not, and the wait must not let the process end
      })
    }
    changed = undefined
    await stop()
  }
}
