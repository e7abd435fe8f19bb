import { availableParallelism } from 'node:os'
import type { MessagePort } from 'node:worker_threads'
import { Piscina } from 'piscina'
import type { ExecuteL2Ok, ExecuteOk, WorkerReply } from '../../workers/execute.js'
import { PoolDestroyed, rebuildError, workerFailure } from './errors.js'
import { destroyWhenLoaded } from './loaded.js'
import { workerPath } from './paths.js'

export type ExecuteResult = ExecuteOk

export interface PoolOptions {
  /** Threads; default os.availableParallelism(). */
  workers?: number
  /**
   * Threads started up front (default: all of them). Fewer, and the pool starts more as tasks queue: a job of
   * one input then loads the guest modules in one worker, not in one per core beside the main thread.
   */
  startWorkers?: number
  /** Per-worker V8 heap cap in MB (resourceLimits.maxOldGenerationSizeMb). A worker over it dies alone. */
  maxHeapMb?: number
  /**
   * Per-worker young generation in MB (resourceLimits.maxYoungGenerationSizeMb); default V8's. Measured at 96 MB
   * it did not lower the guest's GC CPU time on the bench set (docs/performance.md, scaling), so it is only a knob.
   */
  youngGenerationMb?: number
  /** Enable the crash-drill task kind used by the tests. */
  selftest?: boolean
}

export interface TaskPool {
  readonly threads: number
  /**
   * Run any task kind the worker knows (see HANDLERS in workers/execute.ts); the ArrayBuffers (and ports)
   * listed are moved. `signal` aborts the task: a running one has its worker terminated (time budgets).
   */
  runTask<R>(task: { kind: string; [k: string]: unknown }, transfer?: (ArrayBuffer | MessagePort)[], label?: string, signal?: AbortSignal): Promise<R>
  destroy(): Promise<void>
}

export interface ExecutePool extends TaskPool {
  /** Stateless execution of encodeProgramInput bytes. The buffer is transferred: don't reuse `input` after. */
  run(input: Uint8Array, label?: string, signal?: AbortSignal): Promise<ExecuteResult>
  /** The ethrex L2 guest on encodeL2ProgramInput bytes (transferred). */
  runL2(input: Uint8Array, label?: string, signal?: AbortSignal): Promise<ExecuteL2Ok>
}

/** See PoolOptions.youngGenerationMb; TESSERA_YOUNG_GEN_MB sets it for every pool (0 = V8's default). */
export const DEFAULT_YOUNG_GENERATION_MB = 0

function youngGenerationMb(opts: PoolOptions): number | undefined {
  const env = process.env.TESSERA_YOUNG_GEN_MB
  const mb = opts.youngGenerationMb ?? (env !== undefined && env !== '' ? Number(env) : DEFAULT_YOUNG_GENERATION_MB)
  return Number.isFinite(mb) && mb > 0 ? mb : undefined
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
    minThreads: Math.min(threads, Math.max(1, opts.startWorkers ?? threads)),
    maxThreads: threads,
    // Piscina's default puts a task it cannot hand out at once back at the tail of its queue, which turns the
    // queue over every time a worker frees: largest-first submission then ends with a large task on one worker
    // while the other idles (measured: up to 17 % of a 2-worker pass idle). Keep the queue in order.
    stricterFIFO: true,
    idleTimeout: 60_000,
    resourceLimits: {
      ...(opts.maxHeapMb ? { maxOldGenerationSizeMb: opts.maxHeapMb } : {}),
      ...(youngGenerationMb(opts) !== undefined ? { maxYoungGenerationSizeMb: youngGenerationMb(opts) } : {}),
    },
    workerData: { selftest: opts.selftest === true },
  })
  // Piscina emits 'error' for worker failures outside a task; those tasks are rejected individually anyway.
  pool.on('error', () => {})
  const destroyPool = destroyWhenLoaded(pool)
  let destroyed = false
  return {
    threads,
    async runTask<R>(task: { kind: string; [k: string]: unknown }, transfer: (ArrayBuffer | MessagePort)[] = [], label = task.kind, signal?: AbortSignal) {
      if (destroyed) throw new PoolDestroyed(label)
      let reply: WorkerReply<R>
      try {
        reply = await pool.run(task, { transferList: transfer as ArrayBuffer[], signal })
      } catch (e) {
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))
        throw workerFailure(label, e)
      }
      const r = reply as { ok?: boolean; error?: never }
      if (r && r.ok === false) throw rebuildError((reply as { error: Parameters<typeof rebuildError>[0] }).error)
      return reply as R
    },
    destroy: () => {
      destroyed = true
      return destroyPool()
    },
  }
}

/** A pool started before its command had loaded (see prestartExecutePool), waiting to be adopted. */
let prestarted: { opts: PoolOptions; pool: ExecutePool } | undefined

/**
 * Start the execute pool a command is about to create, before the command loads its own modules. A one-file
 * `replay file` spends about 0.35 s importing what reads and decodes its input, and its worker about 0.3 s
 * importing the guest; started first, the worker loads beside the main thread instead of after it.
 * createExecutePool with the same options adopts it; discardPrestartedPool stops it if nothing did.
 */
export function prestartExecutePool(opts: Pick<PoolOptions, 'workers' | 'startWorkers'>): ExecutePool {
  void discardPrestartedPool()
  prestarted = { opts, pool: buildExecutePool(opts) }
  return prestarted.pool
}

export async function discardPrestartedPool(): Promise<void> {
  const p = prestarted
  prestarted = undefined
  await p?.pool.destroy()
}

function samePoolOptions(a: PoolOptions, b: PoolOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof PoolOptions)[])
  for (const k of keys) {
    const [x, y] = k === 'workers' ? [a.workers ?? defaultWorkers(), b.workers ?? defaultWorkers()] : [a[k], b[k]]
    if (x !== y) return false
  }
  return true
}

export function createExecutePool(opts: PoolOptions = {}): ExecutePool {
  if (prestarted !== undefined && samePoolOptions(prestarted.opts, opts)) {
    const { pool } = prestarted
    prestarted = undefined
    return pool
  }
  void discardPrestartedPool()
  return buildExecutePool(opts)
}

function buildExecutePool(opts: PoolOptions): ExecutePool {
  const pool = createTaskPool('execute', opts)
  return {
    ...pool,
    run(input: Uint8Array, label = 'execute', signal?: AbortSignal) {
      const bytes = transferable(input)
      return pool.runTask<ExecuteResult>({ kind: 'execute', bytes }, [bytes], label, signal)
    },
    runL2(input: Uint8Array, label = 'execute-l2', signal?: AbortSignal) {
      const bytes = transferable(input)
      return pool.runTask<ExecuteL2Ok>({ kind: 'execute-l2', bytes }, [bytes], label, signal)
    },
  }
}
