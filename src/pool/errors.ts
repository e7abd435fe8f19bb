import { BlockInvalid, TesseraError, WitnessIncomplete, WitnessInvalid } from '../../guest/errors.js'
import { BudgetExceeded } from '../budget/budget.js'
import { shortText } from '../errors/shortText.js'

/**
 * Errors crossing the worker boundary. Structured clone keeps only an Error's message, so workers send
 * `{ name, message, ...fields }` and the main thread rebuilds the guest error class from it.
 */
export interface SerialisedError {
  name: string
  message: string
  hint?: string
  stack?: string
  [field: string]: unknown
}

/** A worker died (exit, out of memory, crash) while running a task. Only that task fails; the pool goes on. */
export class WorkerFailed extends TesseraError {
  readonly task: string
  readonly reason: string
  constructor(task: string, reason: string) {
    super(`worker died while running ${task}: ${reason}`, 'the pool replaced the worker; rerun this task alone to reproduce')
    this.task = task
    this.reason = reason
  }
}

/** A task was handed to a pool after destroy(): Piscina would quietly start new threads for it. */
export class PoolDestroyed extends TesseraError {
  constructor(task: string) {
    super(`${task}: the worker pool was already stopped`)
  }
}

const CLASSES: Record<string, { prototype: object }> = {
  WitnessIncomplete,
  WitnessInvalid,
  BlockInvalid,
  TesseraError,
  WorkerFailed,
  BudgetExceeded,
}

export function serialiseError(e: unknown): SerialisedError {
  // Texts are cut to a short prefix here, at the worker boundary: a field quoted in an error may be huge.
  if (!(e instanceof Error)) return { name: 'Error', message: shortText(String(e)) }
  const out: SerialisedError = { name: e.name, message: shortText(e.message), stack: e.stack === undefined ? undefined : shortText(e.stack, 4000) }
  for (const [k, v] of Object.entries(e)) {
    // bigint and plain values clone fine; drop functions and anything exotic.
    if (typeof v === 'string') out[k] = shortText(v)
    else if (['number', 'bigint', 'boolean'].includes(typeof v) || v === null) out[k] = v
  }
  return out
}

/** Rebuild the error class (guest errors keep their class and fields) without rerunning constructors. */
export function rebuildError(s: SerialisedError): Error {
  const cls = CLASSES[s.name]
  const e = Object.create(cls ? cls.prototype : Error.prototype) as Error & Record<string, unknown>
  for (const [k, v] of Object.entries(s)) {
    Object.defineProperty(e, k, { value: v, writable: true, configurable: true, enumerable: k !== 'stack' && k !== 'message' && k !== 'name' })
  }
  return e
}

/** Piscina rejects with the worker's exit/OOM error when a thread dies mid-task; name it for the user. */
export function workerFailure(task: string, e: unknown): Error {
  const err = e as Error & { code?: string }
  if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') return new WorkerFailed(task, 'out of memory (resourceLimits reached)')
  if (/worker exited|terminated|exit code/i.test(err?.message ?? '')) return new WorkerFailed(task, err.message)
  if (err?.code?.startsWith?.('ERR_WORKER')) return new WorkerFailed(task, `${err.code}: ${err.message}`)
  return err instanceof Error ? err : new Error(String(e))
}
