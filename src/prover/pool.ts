import { destroyWhenLoaded } from '../pool/loaded.js'
import { Piscina } from 'piscina'
import type { ProveResult } from '../backend/index.js'
import type { ProveReply } from '../../workers/prove.js'
import { rebuildError, workerFailure } from '../pool/errors.js'
import { transferable } from '../pool/execute.js'
import { workerPath } from '../pool/paths.js'

/**
 * The `prove` Piscina pool (workers/prove.ts). Inputs cross as transferred ArrayBuffers (binary
 * ProgramInput), never as object graphs.
 */

export interface ProveRunner {
  /** `signal` aborts the task; a running one has its worker thread terminated (budgets, second signal). */
  run(backend: string, input: Uint8Array, signal?: AbortSignal): Promise<ProveResult>
  close(): Promise<void>
}

export interface ProvePoolOptions {
  /** cpu | gpu, handed to native zkVM backends (--resource). */
  resource?: 'cpu' | 'gpu'
  /** Pin every task of this pool to one CUDA device (src/prover/hostPool.ts makes one such pool per GPU). */
  device?: number
}

export function createProvePool(threads: number, opts: ProvePoolOptions = {}): ProveRunner {
  const n = Math.max(1, threads)
  // stricterFIFO: batches are proved in the order they were handed in (see src/pool/execute.ts).
  const pool = new Piscina({ filename: workerPath('prove'), minThreads: n, maxThreads: n, idleTimeout: 60_000, stricterFIFO: true })
  pool.on('error', () => {}) // failures outside a task; tasks are rejected individually
  return {
    async run(backend, input, signal) {
      const buffer = transferable(input)
      let reply: ProveReply
      try {
        reply = (await pool.run({ backend, resource: opts.resource, device: opts.device, input: buffer }, { transferList: [buffer], signal })) as ProveReply
      } catch (e) {
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))
        throw workerFailure(`prove (${backend})`, e)
      }
      if (!reply.ok) throw rebuildError(reply.error)
      return { proof: new Uint8Array(reply.proof), publicValues: new Uint8Array(reply.publicValues) }
    },
    close: destroyWhenLoaded(pool),
  }
}
