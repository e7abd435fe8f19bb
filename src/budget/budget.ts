import { RLP } from '@ethereumjs/rlp'
import { TesseraError } from '../../guest/errors.js'

/**
 * Per-batch work budgets. A batch is checked against the gas its blocks declare before anything runs (cheap,
 * deterministic), and its run is cut at a wall-time limit (the worker thread is terminated), because a
 * block may burn more than it declares before it is found invalid. Over budget is a named failure of that
 * batch or case; the run it belongs to goes on.
 */

export interface Budget {
  /** Largest sum of header gasUsed over a batch's blocks; undefined = no gas limit. */
  maxGas?: bigint
  /** Wall time one batch may run; undefined = no time limit. */
  maxMs?: number
}

export class BudgetExceeded extends TesseraError {
  readonly kind: 'gas' | 'time'
  readonly what: string
  constructor(kind: 'gas' | 'time', what: string, detail: string) {
    super(`${what} is over its ${kind} budget: ${detail}`, kind === 'gas' ? 'raise --max-batch-gas to run it' : 'raise --max-batch-seconds to run it')
    this.kind = kind
    this.what = what
  }
}

function uint(bytes: unknown): bigint {
  if (!(bytes instanceof Uint8Array)) return 0n
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

/** Sum of header gasUsed (field 10) over RLP blocks; blocks that are not RLP lists count 0 (the guest names them). */
export function declaredGas(blocks: readonly Uint8Array[]): bigint {
  let total = 0n
  for (const block of blocks) {
    try {
      const decoded = RLP.decode(block) as unknown
      const header = Array.isArray(decoded) ? decoded[0] : undefined
      if (Array.isArray(header)) total += uint(header[10])
    } catch {
      // not RLP: execution will refuse it quickly
    }
  }
  return total
}

/** Throw BudgetExceeded('gas') when the declared gas is above the budget. */
export function checkGas(budget: Budget, gas: bigint, what: string): void {
  if (budget.maxGas !== undefined && gas > budget.maxGas) {
    throw new BudgetExceeded('gas', what, `declares ${gas} gas, budget ${budget.maxGas}`)
  }
}

/**
 * Run `task` with an AbortSignal that fires after `budget.maxMs`; a task aborted by it rejects with
 * BudgetExceeded('time'). Pools pass the signal to Piscina, which terminates the worker running the task.
 */
export async function withTimeBudget<T>(budget: Budget, what: string, task: (signal: AbortSignal | undefined) => Promise<T>, outer?: AbortSignal): Promise<T> {
  if (budget.maxMs === undefined && !outer) return task(undefined)
  const controller = new AbortController()
  let timedOut = false
  const timer =
    budget.maxMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          controller.abort(new BudgetExceeded('time', what, `still running after ${budget.maxMs} ms`))
        }, budget.maxMs)
  const onOuter = () => controller.abort(outer?.reason)
  if (outer?.aborted) onOuter()
  else outer?.addEventListener('abort', onOuter, { once: true })
  try {
    return await task(controller.signal)
  } catch (e) {
    if (timedOut) throw new BudgetExceeded('time', what, `still running after ${budget.maxMs} ms; stopped`)
    throw e
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuter)
  }
}

/** Parse `--max-batch-gas` (integer, may use e.g. 30e9) into a bigint; "0" or "none" = no limit. */
export function parseGasBudget(text: string | undefined, fallback: bigint | undefined, flag = '--max-batch-gas'): bigint | undefined {
  if (text === undefined) return fallback
  if (text === '0' || text === 'none') return undefined
  const n = Number(text)
  if (/^\d+$/.test(text)) return BigInt(text)
  if (Number.isFinite(n) && n > 0 && Number.isInteger(n)) return BigInt(n)
  throw new Error(`${flag}: expected a gas amount (e.g. 30000000000 or 30e9), got "${text.slice(0, 40)}"`)
}

/** Parse `--max-batch-seconds`; "0" or "none" = no limit. Returns milliseconds. */
export function parseTimeBudget(text: string | undefined, fallbackMs: number | undefined, flag = '--max-batch-seconds'): number | undefined {
  if (text === undefined) return fallbackMs
  if (text === '0' || text === 'none') return undefined
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: expected seconds, got "${text.slice(0, 40)}"`)
  // Timers take at most 2^31 - 1 ms (24.8 days); a longer one would fire at once. Longer budgets are that long.
  return Math.min(Math.round(n * 1000), MAX_TIMER_MS)
}

const MAX_TIMER_MS = 2 ** 31 - 1

/** Run at most `n` of the given tasks at once; the rest wait their turn in order (so time budgets measure running, not queueing). */
export function limitConcurrency(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r))
    running++
    try {
      return await task()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}
