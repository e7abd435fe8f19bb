import type { ProveResult } from '../backend/index.js'
import type { ProverMetrics } from './metrics.js'
import type { ProveRunner } from './pool.js'

/**
 * Where proofs run: a set of slots, each a prove runner with a capacity. On GPU hosts one slot per GPU with
 * capacity 1 (its own single-thread worker pool, pinned to that device); on CPU hosts one `cpu` slot with
 * one capacity unit per worker thread. A job takes the free slot that has started the fewest jobs (so GPUs
 * share the work evenly even when jobs arrive one by one), waits in FIFO order when none is free, and is
 * counted in the per-slot metrics.
 */

export interface ProveSlot {
  /** Metric label and log name: `0`, `1`, … for GPUs, `cpu`. */
  label: string
  /** CUDA ordinal (GPU slots). */
  device?: number
  capacity: number
  runner: ProveRunner
}

export interface SlotState {
  label: string
  device?: number
  capacity: number
  inFlight: number
  jobs: number
  failed: number
  /** Failures since the last success: a device failing every job is reported by /healthz. */
  consecutiveFailures: number
  provingSeconds: number
}

export interface SlotRunner extends ProveRunner {
  slots(): SlotState[]
}

export function createSlotRunner(slots: ProveSlot[], metrics?: ProverMetrics): SlotRunner {
  if (slots.length === 0) throw new Error('no prove slots')
  const states = slots.map((s) => ({
    slot: s,
    state: { label: s.label, device: s.device, capacity: s.capacity, inFlight: 0, jobs: 0, failed: 0, consecutiveFailures: 0, provingSeconds: 0 } as SlotState,
  }))
  const waiters: ((s: (typeof states)[number]) => void)[] = []

  const freeSlot = () => {
    let best: (typeof states)[number] | undefined
    for (const s of states) {
      if (s.state.inFlight >= s.slot.capacity) continue
      if (!best || s.state.jobs < best.state.jobs) best = s
    }
    return best
  }
  const take = (s: (typeof states)[number]) => {
    s.state.inFlight += 1
    s.state.jobs += 1
    metrics?.busy.set({ device: s.slot.label }, s.state.inFlight)
    return s
  }
  const acquire = (signal?: AbortSignal): Promise<(typeof states)[number]> => {
    const free = freeSlot()
    if (free) return Promise.resolve(take(free))
    return new Promise((resolve, reject) => {
      const waiter = (s: (typeof states)[number]) => {
        signal?.removeEventListener('abort', onAbort)
        resolve(take(s))
      }
      // Aborted while waiting for a free slot: leave the queue, never take a slot.
      const onAbort = () => {
        const i = waiters.indexOf(waiter)
        if (i >= 0) waiters.splice(i, 1)
        reject(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)))
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      waiters.push(waiter)
    })
  }
  const release = (s: (typeof states)[number]) => {
    s.state.inFlight -= 1
    metrics?.busy.set({ device: s.slot.label }, s.state.inFlight)
    const next = waiters.shift()
    if (next) next(freeSlot()!)
  }

  return {
    async run(backend: string, input: Uint8Array, signal?: AbortSignal): Promise<ProveResult> {
      const s = await acquire(signal)
      const started = performance.now()
      try {
        const result = await s.slot.runner.run(backend, input, signal)
        const seconds = (performance.now() - started) / 1000
        s.state.provingSeconds += seconds
        s.state.consecutiveFailures = 0
        metrics?.jobs.inc({ device: s.slot.label, result: 'ok' })
        metrics?.provingSeconds.observe({ device: s.slot.label }, seconds)
        return result
      } catch (e) {
        s.state.failed += 1
        s.state.consecutiveFailures += 1
        metrics?.jobs.inc({ device: s.slot.label, result: 'failed' })
        throw e
      } finally {
        release(s)
      }
    },
    slots: () => states.map((s) => ({ ...s.state })),
    close: async () => {
      await Promise.all(slots.map((s) => s.runner.close()))
    },
  }
}
