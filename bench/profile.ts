import { Session } from 'node:inspector/promises'

/**
 * In-process CPU profile (V8 sampling profiler through node:inspector) around one piece of work, reduced to
 * a flame summary: the functions with the most self time. Used by `tessera bench --profile`; the raw
 * .cpuprofile can be opened in Chrome DevTools or speedscope for the full flame graph.
 */

export interface ProfileEntry {
  /** Function name, or `(anonymous)`, `(garbage collector)`, `(program)`, `(idle)`. */
  name: string
  /** Source file (package-relative when under node_modules) and line, empty for V8 internals. */
  where: string
  selfMs: number
  /** Share of all samples, in percent. */
  selfPercent: number
}

export interface ProfileResult {
  /** V8 .cpuprofile JSON. */
  profile: CpuProfile
  top: ProfileEntry[]
  totalMs: number
}

interface CpuProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  hitCount?: number
  children?: number[]
}

export interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

/** Run `work` under the sampling profiler (interval in µs) and summarise self time. */
export async function profileCpu(work: () => Promise<void>, opts: { top?: number; intervalUs?: number } = {}): Promise<ProfileResult> {
  const session = new Session()
  session.connect()
  let profile: CpuProfile
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: opts.intervalUs ?? 200 })
    await session.post('Profiler.start')
    try {
      await work()
    } finally {
      ;({ profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile })
    }
    await session.post('Profiler.disable')
  } finally {
    session.disconnect()
  }
  return { profile, ...summariseProfile(profile, opts.top ?? 10) }
}

/** Shorten a file URL to `pkg/path` under node_modules, or the path under the repository. */
export function shortLocation(url: string, line: number): string {
  if (url === '') return ''
  let path = url.replace(/^file:\/\//, '')
  const nm = path.lastIndexOf('/node_modules/')
  if (nm >= 0) path = path.slice(nm + '/node_modules/'.length).replace(/\/dist\/(esm|cjs)\//, '/')
  else {
    const dist = path.lastIndexOf('/dist/')
    if (dist >= 0) path = path.slice(dist + '/dist/'.length)
  }
  return `${path}:${line + 1}`
}

/**
 * Self time per function (name + location), from the samples and their time deltas, largest first.
 * `(idle)` is left out: it is time the thread waited, not work.
 */
export function summariseProfile(profile: CpuProfile, top: number): { top: ProfileEntry[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the sample is charged the time until the next one.
    const dt = deltas[i + 1] ?? 0
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, dt))
  }
  const byFunction = new Map<string, { name: string; where: string; us: number }>()
  let totalUs = 0
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined || frame.functionName === '(idle)') continue
    totalUs += us
    const name = frame.functionName || '(anonymous)'
    const where = shortLocation(frame.url, frame.lineNumber)
    const key = `${name}@${where}`
    const entry = byFunction.get(key) ?? { name, where, us: 0 }
    entry.us += us
    byFunction.set(key, entry)
  }
  const sorted = [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, top)
  return {
    totalMs: totalUs / 1000,
    top: sorted.map((e) => ({
      name: e.name,
      where: e.where,
      selfMs: Number((e.us / 1000).toFixed(1)),
      selfPercent: totalUs > 0 ? Number(((e.us / totalUs) * 100).toFixed(1)) : 0,
    })),
  }
}
