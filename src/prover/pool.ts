import { Piscina } from 'piscina'
import type { ProveResult } from '../backend/index.js'
import { workerFailure } from '../pool/errors.js'
import { transferable } from '../pool/execute.js'
import { workerPath } from '../pool/paths.js'

/**
 * The `prove` Piscina pool (workers/prove.ts). Inputs cross as transferred ArrayBuffers (binary
 * ProgramInput), never as object graphs.
 */

export interface ProveRunner {
  run(backend: string, input: Uint8Array): Promise<ProveResult>
  close(): Promise<void>
}

export function createProvePool(threads: number): ProveRunner {
  const n = Math.max(1, threads)
  const pool = new Piscina({ filename: workerPath('prove'), minThreads: n, maxThreads: n, idleTimeout: 60_000 })
  pool.on('error', () => {}) // failures outside a task; tasks are rejected individually
  return {
    async run(backend, input) {
      const buffer = transferable(input)
      let result: ProveResult
      try {
        result = (await pool.run({ backend, input: buffer }, { transferList: [buffer] })) as ProveResult
      } catch (e) {
        throw workerFailure(`prove (${backend})`, e)
      }
      return { proof: new Uint8Array(result.proof), publicValues: new Uint8Array(result.publicValues) }
    },
    close: () => pool.destroy(),
  }
}
