import { loadBackend, type ProveResult, type ProverBackend } from '../src/backend/index.js'

/**
 * Piscina worker: one proving task. The input arrives as a transferred ArrayBuffer (binary ProgramInput);
 * backends are loaded once per worker thread.
 */
export interface ProveTask {
  backend: string
  input: ArrayBuffer
}

const backends = new Map<string, Promise<ProverBackend>>()

export default async function prove(task: ProveTask): Promise<ProveResult> {
  let backend = backends.get(task.backend)
  if (!backend) {
    backend = loadBackend(task.backend)
    backends.set(task.backend, backend)
    backend.catch(() => backends.delete(task.backend))
  }
  return (await backend).prove(new Uint8Array(task.input))
}
