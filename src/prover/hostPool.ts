import { detectGpus, GpuDetectionFailed, type DetectGpusOptions, type GpuDevice } from './gpus.js'
import type { ProverMetrics } from './metrics.js'
import { createProvePool, type ProveRunner } from './pool.js'
import { createSlotRunner, type SlotRunner } from './slots.js'

/**
 * The prove pool of one prover host (`tessera prover --resource cpu|gpu`):
 *   cpu  one pool of `workers` threads, one `cpu` slot
 *   gpu  one single-thread pool per GPU, each pinned to its device (every task carries the CUDA ordinal to
 *        the backend library); `workers` = number of GPUs
 */

export interface HostPoolOptions extends Omit<DetectGpusOptions, 'gpus'> {
  resource: 'cpu' | 'gpu'
  /** --workers; on GPU hosts it must equal the GPU count if given. */
  workers?: number
  /** --gpus */
  gpus?: string
  defaultCpuWorkers: number
  metrics?: ProverMetrics
  /** Builds a worker pool (tests may substitute); default createProvePool. */
  makePool?: (threads: number, opts: { resource: 'cpu' | 'gpu'; device?: number }) => ProveRunner
}

export interface HostPool {
  runner: SlotRunner
  /** Batches proving at once (the prover's --workers). */
  workers: number
  devices: GpuDevice[]
}

export function createHostProvePool(opts: HostPoolOptions): HostPool {
  const makePool = opts.makePool ?? ((threads, o) => createProvePool(threads, o))
  if (opts.resource === 'cpu') {
    if (opts.gpus !== undefined) throw new GpuDetectionFailed('--gpus needs --resource gpu')
    const workers = opts.workers ?? opts.defaultCpuWorkers
    return { runner: createSlotRunner([{ label: 'cpu', capacity: workers, runner: makePool(workers, { resource: 'cpu' }) }], opts.metrics), workers, devices: [] }
  }
  const devices = detectGpus({ gpus: opts.gpus, env: opts.env, runNvidiaSmi: opts.runNvidiaSmi })
  if (opts.workers !== undefined && opts.workers !== devices.length) {
    throw new GpuDetectionFailed(
      `--workers ${opts.workers} with ${devices.length} GPU(s) (${devices.map((d) => d.index).join(',')}): GPU hosts run one prove worker per GPU`,
      'drop --workers, or choose the GPUs with --gpus',
    )
  }
  const slots = devices.map((d) => ({ label: String(d.index), device: d.index, capacity: 1, runner: makePool(1, { resource: 'gpu' as const, device: d.index }) }))
  return { runner: createSlotRunner(slots, opts.metrics), workers: devices.length, devices }
}
