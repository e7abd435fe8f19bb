import { Piscina } from 'piscina'
import { destroyWhenLoaded } from './loaded.js'
import { workerPath } from './paths.js'

/**
 * One worker thread for occasional heavy work kept off a service's event loop (parsing large messages or
 * source files, building inputs, checking proofs): started on the first task, stopped after 30 s idle, one
 * task at a time. Failures outside a task are ignored here: each task is rejected on its own, and the caller
 * names what died. `maxHeapMb` caps the worker's old generation, so a hostile input kills the worker, not
 * the service.
 */
export function createSideWorker(worker: string, maxHeapMb?: number): Piscina {
  const pool = new Piscina({
    filename: workerPath(worker),
    minThreads: 0,
    maxThreads: 1,
    // In order: Piscina's default sends a task it cannot start at once to the back of the queue.
    stricterFIFO: true,
    idleTimeout: 30_000,
    ...(maxHeapMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } } : {}),
  })
  pool.on('error', () => {})
  // A service stopping while this worker still loads would otherwise abort the process (./loaded.ts).
  pool.destroy = destroyWhenLoaded(pool, Piscina.prototype.destroy.bind(pool))
  return pool
}
