import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import type { ExecuteL2Ok, ExecuteOk, WorkerReply } from '../../workers/execute.js'
import { rebuildError, workerFailure } from './errors.js'
import { workerPath } from './paths.js'

export type ExecuteResult = ExecuteOk

export interface PoolOptions {
  /** Threads; default os.availableParallelism(). */
  workers?: number
  /** Per-worker V8 heap cap in MB (resourceLimits.maxOldGenerationSizeMb). A worker over it dies alone. */
  maxHeapMb?: number
  /** Enable the crash-drill task kind used by the tests. */
  selftest?: boolean
}

export interface TaskPool {
  readonly threads: number
  /** Run any task kind the worker knows (see HANDLERS in workers/execute.ts); the ArrayBuffers listed are moved. */
  runTask<R>(task: { kind: string; [k: string]: unknown }, transfer?: ArrayBuffer[], label?: string): Promise<R>
  destroy(): Promise<void>
}

export interface ExecutePool extends TaskPool {
  /** Stateless execution of encodeProgramInput bytes. The buffer is transferred: don't reuse `input` after. */
  run(input: Uint8Array, label?: string): Promise<ExecuteResult>
  /** The ethrex L2 guest on encodeL2ProgramInput bytes (transferred). */
  runL2(input: Uint8Array, label?: string): Promise<ExecuteL2Ok>
}

export function defaultWorkers(): number {
  return availableParallelism()
}

/** Own the bytes as a standalone ArrayBuffer (copy only if the view does not span its whole buffer). */
export function transferable(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer
  }
  return bytes.slice().buffer as ArrayBuffer
}

export function createTaskPool(worker: string, opts: PoolOptions = {}): TaskPool {
  const threads = Math.max(1, opts.workers ?? defaultWorkers())
  const pool = new Piscina({
    filename: workerPath(worker),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    resourceLimits: opts.maxHeapMb ? { maxOldGenerationSizeMb: opts.maxHeapMb } : undefined,
    workerData: { selftest: opts.selftest === true },
  })
  // Piscina emits 'error' for worker failures outside a task; those tasks are rejected individually anyway.
  pool.on('error', () => {})
  return {
    threads,
    async runTask<R>(task: { kind: string; [k: string]: unknown }, transfer: ArrayBuffer[] = [], label = task.kind) {
      let reply: WorkerReply<R>
      try {
        reply = await pool.run(task, { transferList: transfer })
      } catch (e) {
        throw workerFailure(label, e)
      }
      const r = reply as { ok?: boolean; error?: never }
      if (r && r.ok === false) throw rebuildError((reply as { error: Parameters<typeof rebuildError>[0] }).error)
      return reply as R
    },
    destroy: () => pool.destroy(),
  }
}

export function createExecutePool(opts: PoolOptions = {}): ExecutePool {
  const pool = createTaskPool('execute', opts)
  return {
    ...pool,
    run(input: Uint8Array, label = 'execute') {
      const bytes = transferable(input)
      return pool.runTask<ExecuteResult>({ kind: 'execute', bytes }, [bytes], label)
    },
    runL2(input: Uint8Array, label = 'execute-l2') {
      const bytes = transferable(input)
      return pool.runTask<ExecuteL2Ok>({ kind: 'execute-l2', bytes }, [bytes], label)
    },
  }
}
