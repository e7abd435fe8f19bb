/**
 * Piscina entry of the `execute` pool: a thin shim over the guest. Tasks are plain objects tagged by `kind`;
 * inputs arrive as transferred ArrayBuffers (see src/pool/execute.ts), never as object graphs.
 *
 * Adding a task kind (hook for `tessera conformance` and others): add an entry to HANDLERS below taking the
 * task object and returning a structured-clonable result. Throwing is fine: the error is serialised with its
 * class name and fields and rebuilt on the main thread (see src/pool/errors.ts).
 */
import { getHeapStatistics } from 'node:v8'
import { threadId, workerData } from 'node:worker_threads'
import { executeStateless } from '../guest/execute.js'
import { decodeProgramInput } from '../guest/input.js'
import { decodeL2ProgramInput } from '../guest/l2/input.js'
import { encodeL2PublicValues, type L2ProgramOutput } from '../guest/l2/output.js'
import { executeL2Batch } from '../guest/l2/program.js'
import type { ProgramOutput } from '../guest/types.js'
import { serialiseError, type SerialisedError } from '../src/pool/errors.js'
import { hostGuestOptions } from '../src/crypto/guestOptions.js'
import { announceLoaded } from '../src/pool/loaded.js'

// Load the crypto addons while the worker starts, not in its first task: the pool starts workers before the
// main thread has read and decoded the first input, so this runs beside that instead of after it.
void hostGuestOptions().catch(() => undefined)

export interface ExecuteTask {
  kind: 'execute'
  /** encodeProgramInput bytes; transferred, so the sender's view is detached afterwards. */
  bytes: ArrayBuffer
}

/** Crash drills used by the pool tests; only honoured when the pool was created with `selftest: true`. */
export interface SelftestTask {
  kind: 'selftest'
  action: 'exit' | 'oom' | 'throw' | 'echo'
  bytes?: ArrayBuffer
}

export type WorkerTask = ExecuteTask | SelftestTask | { kind: string; [k: string]: unknown }

export interface ExecuteOk {
  ok: true
  output: ProgramOutput
  blocks: number
  transactions: number
  gasUsed: bigint
  /** Guest time in the worker, decode included. */
  ms: number
  inputBytes: number
  /** This worker's own V8 heap right after the task (one isolate per worker; RSS is the whole process's). */
  heap: WorkerHeap
}

export interface WorkerHeap {
  threadId: number
  usedBytes: number
  totalBytes: number
}

/** V8 heap of the calling worker's isolate (getHeapStatistics is per isolate, process.memoryUsage is not). */
function workerHeap(): WorkerHeap {
  const h = getHeapStatistics()
  return { threadId, usedBytes: h.used_heap_size, totalBytes: h.total_heap_size }
}

export type WorkerReply<T> = T | { ok: false; error: SerialisedError; ms: number }

type Handler = (task: any) => Promise<unknown>


async function execute(task: ExecuteTask): Promise<ExecuteOk> {
  const start = performance.now()
  const bytes = new Uint8Array(task.bytes)
  const input = decodeProgramInput(bytes)
  const { stats, ...output } = await executeStateless(input, await hostGuestOptions())
  return {
    ok: true,
    output,
    blocks: stats.blockCount,
    transactions: Number(stats.transactionCount),
    gasUsed: stats.gasUsed,
    ms: performance.now() - start,
    inputBytes: bytes.byteLength,
    heap: workerHeap(),
  }
}

export interface ExecuteL2Task {
  kind: 'execute-l2'
  /** encodeL2ProgramInput bytes; transferred. */
  bytes: ArrayBuffer
}

export interface ExecuteL2Ok {
  ok: true
  output: L2ProgramOutput
  /** ethrex's 256-byte L2 public values. */
  publicValues: Uint8Array
  blocks: number
  transactions: number
  privileged: number
  l1Messages: number
  gasUsed: bigint
  ms: number
  inputBytes: number
}

/** The ethrex L2 guest (guest/l2/program.ts). */
async function executeL2(task: ExecuteL2Task): Promise<ExecuteL2Ok> {
  const start = performance.now()
  const bytes = new Uint8Array(task.bytes)
  const { stats, l1Messages, privilegedCount, ...output } = await executeL2Batch(decodeL2ProgramInput(bytes), await hostGuestOptions())
  return {
    ok: true,
    output,
    publicValues: encodeL2PublicValues(output),
    blocks: stats.blockCount,
    transactions: Number(stats.transactionCount),
    privileged: privilegedCount,
    l1Messages: l1Messages.length,
    gasUsed: stats.gasUsed,
    ms: performance.now() - start,
    inputBytes: bytes.byteLength,
  }
}

async function selftest(task: SelftestTask): Promise<unknown> {
  if (workerData?.selftest !== true) throw new Error('selftest tasks are disabled in this pool')
  switch (task.action) {
    case 'exit':
      process.exit(3)
    case 'oom': {
      const hog: number[][] = []
      for (;;) hog.push(new Array(1e6).fill(Math.random()))
    }
    case 'throw':
      throw new Error('selftest: thrown on purpose')
    case 'echo':
      return { ok: true, byteLength: task.bytes?.byteLength ?? -1, first: task.bytes ? new Uint8Array(task.bytes)[0] : -1 }
  }
}

/** Task kinds this worker runs. The lead adds 'conformance-case' here. */
export const HANDLERS: Record<string, Handler> = {
  execute,
  'execute-l2': executeL2,
  selftest,
}

export default async function run(task: WorkerTask): Promise<WorkerReply<unknown>> {
  const start = performance.now()
  const handler = HANDLERS[task.kind]
  try {
    if (handler === undefined) throw new Error(`unknown task kind '${task.kind}'`)
    return await handler(task)
  } catch (e) {
    return { ok: false, error: serialiseError(e), ms: performance.now() - start }
  }
}

// Last statement: the pool may stop this worker from here on (src/pool/loaded.ts).
announceLoaded()
