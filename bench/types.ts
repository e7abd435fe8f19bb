/**
 * The benchmark suite's contract. A suite measures a few implementations of one thing and states ratios
 * between them measured in the same run. To add one: write bench/suites/<name>.ts exporting a BenchSuite
 * and list it in bench/index.ts.
 */

export interface BenchOptions {
  /** Short runs (CI, smoke checks). */
  quick: boolean
  /** Measuring time per task in ms (tinybench `time`); suites may scale it. */
  timeMs: number
  /** Progress output (stderr). */
  log: (line: string) => void
  /** Suites that support it add a CPU profile summary (top self-time functions) to their result. */
  profile?: boolean
}

/** One measured task. `value` is a rate, higher is better (hashes/s, recoveries/s, Mgas/s, ...). */
export interface Measurement {
  /** What is compared, e.g. "keccak256 32B"; ratios are only taken within a group. */
  group: string
  /** The implementation, e.g. "noble", "native-batch". */
  name: string
  value: number
  unit: string
  /** Timed iterations behind the value. */
  samples: number
  /** Relative margin of error of the per-iteration latency, in percent. */
  rme: number
}

/** value(name) / value(baseline) within one group, from the same run. */
export interface Ratio {
  group: string
  name: string
  baseline: string
  ratio: number
}

export interface SuiteResult {
  suite: string
  measurements: Measurement[]
  ratios: Ratio[]
  /** Skipped implementations and why, caveats. */
  notes: string[]
  /** Per input (guest suite: per batch), median milliseconds per implementation, to see where a ratio comes from. */
  perEntry?: { label: string; kind?: string; gas: number; ms: Record<string, number> }[]
  /** Guest suite on files or the real-chain set: one row per block (batch). */
  perBlock?: {
    label: string
    gas: number
    warmMgasPerSecond: number
    statefulHostMgasPerSecond: number
    /** stateful VM with the guest's crypto ÷ guest, time ratio (higher: guest faster). */
    vsStatefulSameCrypto: number
    vsStateful: number
    coldMs?: number
    processWarmMs?: number
    coldOverWarm?: number
    /** The same ratio in CPU time of the cold-run process: unlike wall time, not inflated by other load. */
    coldCpuOverWarm?: number
    processStartToVerdictMs?: number
    /** `tessera replay file` of this block alone, process start to exit, wall ms. */
    replayCommandMs?: number
    categories: { category: string; ms: number; percent: number }[]
  }[]
  /** With --profile: where the profiled engine spent its time (bench/profile.ts). */
  profile?: {
    engine: string
    totalMs: number
    top: { name: string; where: string; selfMs: number; selfPercent: number }[]
    /** V8 .cpuprofile; the CLI writes it to its own file and leaves it out of the JSON report. */
    cpuprofile?: unknown
  }
}

export interface BenchSuite {
  name: string
  description: string
  run(opts: BenchOptions): Promise<SuiteResult>
}
