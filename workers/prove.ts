import { loadBackend, type ProveResult, type ProverBackend } from '../src/backend/index.js'
import { serialiseError, type SerialisedError } from '../src/pool/errors.js'
import { announceLoaded } from '../src/pool/loaded.js'

/**
 * Piscina worker: one proving task. The input arrives as a transferred ArrayBuffer (binary ProgramInput);
 * backends are loaded once per worker thread. Failures come back as data so the main thread can rebuild
 * the guest error class (WitnessIncomplete etc.) with its fields.
 */
export interface ProveTask {
  backend: string
  resource?: 'cpu' | 'gpu'
  /** GPU hosts: the CUDA device this worker is pinned to (src/prover/gpuPool.ts). */
  device?: number
  input: ArrayBuffer
}

export type ProveReply = ({ ok: true } & ProveResult) | { ok: false; error: SerialisedError }

const backends = new Map<string, Promise<ProverBackend>>()

export default async function prove(task: ProveTask): Promise<ProveReply> {
  try {
    const key = `${task.backend}/${task.resource ?? 'cpu'}/${task.device ?? '-'}`
    let backend = backends.get(key)
    if (!backend) {
      backend = loadBackend(task.backend, { resource: task.resource, device: task.device })
      backends.set(key, backend)
      backend.catch(() => backends.delete(key))
    }
    const { proof, publicValues } = await (await backend).prove(new Uint8Array(task.input))
    return { ok: true, proof, publicValues }
  } catch (e) {
    return { ok: false, error: serialiseError(e) }
  }
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
