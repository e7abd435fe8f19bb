import { readRegularFile } from '../../witness/inputFile.js'
import { shortText } from '../../errors/shortText.js'
import { readFile, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { dirname, relative } from 'node:path'
import { parseArgs } from '../args.js'
import { MessageChannel } from 'node:worker_threads'
import type { ConformanceEvent } from '../../../workers/conformance.js'
import { parseGasBudget, parseTimeBudget } from '../../budget/budget.js'
import type { CaseResult } from '../../conformance/case.js'
import { listFixtureFiles } from '../../conformance/fixtures.js'
import { createTaskPool, type TaskPool } from '../../pool/execute.js'
import { formatDuration } from '../progress.js'

const HELP = `usage: tessera conformance <path>... [--workers N] [--json FILE] [--filter REGEX]
                                  [--max-case-seconds S] [--max-case-gas GAS] [--progress-seconds S]

Runs EF BlockchainTests (files or directories, recursive) through the stateless path: the witness is
recorded from each test's pre-state, then the guest re-executes from the witness alone and must reach the
expected post-state; blocks with expectException must be rejected. Prints one line per failure and closes
with "N passed, M failed". Exit code 1 if any case failed.

Budgets: a case running longer than --max-case-seconds (default 600; 0 = none) is stopped and fails by
name ("over its time budget"); a case whose blocks declare more gas than --max-case-gas (default none)
fails without running. The run goes on with the next case.
Progress: a line on stderr every --progress-seconds (default 10; 0 = none), also when not a terminal.
Signals: the first SIGINT/SIGTERM finishes the files in progress, then prints the partial count; a second
one prints the count so far and exits at once.`

interface Tally {
  passed: number
  failed: number
  filesDone: number
  all: (CaseResult & { file: string })[]
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workers: { type: 'string' },
      json: { type: 'string' },
      filter: { type: 'string' },
      'max-case-seconds': { type: 'string' },
      'max-case-gas': { type: 'string' },
      'progress-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || positionals.length === 0) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  const workers = values.workers !== undefined ? Number(values.workers) : availableParallelism()
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, got ${values.workers}`)
  const maxCaseMs = parseTimeBudget(values['max-case-seconds'], 600_000, '--max-case-seconds')
  const maxCaseGas = parseGasBudget(values['max-case-gas'], undefined, '--max-case-gas')
  const progressMs = values['progress-seconds'] === undefined ? 10_000 : Number(values['progress-seconds']) * 1000
  if (!Number.isFinite(progressMs) || progressMs < 0) throw new Error(`--progress-seconds: expected seconds, got ${values['progress-seconds']}`)
  const files = await listFixtureFiles(positionals)
  const pool = createTaskPool('conformance', { workers, maxHeapMb: 4096 })
  const started = Date.now()
  const tally: Tally = { passed: 0, failed: 0, filesDone: 0, all: [] }
  const record = (name: string, r: CaseResult) => {
    tally.all.push({ ...r, file: name })
    if (r.passed) tally.passed++
    else {
      tally.failed++
      console.log(`FAIL ${name} ${r.name}: ${r.failures.join('; ')}`)
    }
  }
  const closingLine = () => `${tally.passed} passed, ${tally.failed} failed`

  let stopping = false
  let signals = 0
  const onSignal = (signal: string) => {
    if (++signals > 1) {
      console.error(`conformance: ${signal} again: stopping now; ${tally.filesDone}/${files.length} files done`)
      console.log(closingLine())
      process.exit(130)
    }
    stopping = true
    console.error(`conformance: ${signal}: finishing the files in progress (signal again to stop at once)`)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const progress =
    progressMs > 0
      ? setInterval(() => {
          console.error(`progress: ${tally.filesDone}/${files.length} files, ${tally.passed} passed, ${tally.failed} failed, ${formatDuration(Date.now() - started)}`)
        }, progressMs)
      : undefined
  progress?.unref()

  let next = 0
  const lane = async () => {
    while (!stopping && next < files.length) {
      const file = files[next++]
      await runFile(pool, file, relative(process.cwd(), file), { filter: values.filter, maxCaseMs, maxCaseGas }, record)
      tally.filesDone++
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(workers, files.length) }, lane))
  } finally {
    clearInterval(progress)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await pool.destroy()
  }
  const seconds = (Date.now() - started) / 1000
  if (values.json) {
    tally.all.sort((a, b) => (a.file + a.name).localeCompare(b.file + b.name))
    await writeFile(values.json, JSON.stringify({ passed: tally.passed, failed: tally.failed, seconds, workers, interrupted: stopping, results: tally.all }, null, 1))
  }
  if (stopping) console.error(`conformance: interrupted; ${files.length - tally.filesDone} of ${files.length} files not run`)
  console.error(`${files.length} files, ${workers} workers, ${seconds.toFixed(1)} s`)
  for (const line of checkSummary(tally.all)) console.log(line)
  console.log(closingLine())
  if (stopping) return 130
  return tally.failed === 0 ? 0 : 1
}

/**
 * One line per fixture folder and network whose cases carry named checks (the EIP-8025 stateless vectors):
 * cases passed/failed, then each check's block counts, then how many blocks had notes (recorder additions).
 */
function checkSummary(results: (CaseResult & { file: string })[]): string[] {
  const groups = new Map<string, { passed: number; failed: number; checks: Map<string, { passed: number; failed: number }>; notes: number }>()
  for (const r of results) {
    if (r.checks === undefined) continue
    // The EIP folder and its parent (e.g. eip8025_optional_proofs/witness_7702), then the network (fork).
    const key = `${dirname(r.file).split(/[\\/]/).slice(-2).join('/')} [${r.network ?? '?'}]`
    let g = groups.get(key)
    if (g === undefined) groups.set(key, (g = { passed: 0, failed: 0, checks: new Map(), notes: 0 }))
    if (r.passed) g.passed++
    else g.failed++
    for (const [name, c] of Object.entries(r.checks)) {
      const t = g.checks.get(name) ?? { passed: 0, failed: 0 }
      t.passed += c.passed
      t.failed += c.failed
      g.checks.set(name, t)
    }
    g.notes += r.notes?.length ?? 0
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, g]) => {
      const checks = [...g.checks.entries()].map(([name, c]) => `${name} ${c.passed}/${c.passed + c.failed}`).join(', ')
      return `checks ${key}: ${g.passed} passed, ${g.failed} failed; blocks: ${checks}${g.notes ? `; ${g.notes} notes` : ''}`
    })
}

interface FileOptions {
  filter?: string
  maxCaseMs?: number
  maxCaseGas?: bigint
}

/**
 * Run one fixture file, case by case as the worker reports them. A case over its time budget (or one whose
 * worker died) is recorded as a named failure and the file is resubmitted without the cases already done.
 */
async function runFile(pool: TaskPool, file: string, name: string, opts: FileOptions, record: (file: string, r: CaseResult) => void): Promise<void> {
  const reported = new Set<string>()
  for (;;) {
    let bytes: ArrayBuffer
    try {
      // A regular file of bounded size: a FIFO or device named *.json is a failure of that file, not a hang.
      bytes = (await readRegularFile(file)).buffer as ArrayBuffer
    } catch (e) {
      record(name, { name: '(file)', passed: false, failures: [shortText(String((e as Error).message))], blocks: 0 })
      return
    }
    const { port1, port2 } = new MessageChannel()
    const streamed: CaseResult[] = []
    let current: string | undefined
    const controller = new AbortController()
    let overrun: string | undefined
    // One timer per case, armed when the worker says the case started: a budget of a few milliseconds is kept
    // as well as one of minutes (a polling watchdog would only notice an overrun at its next tick).
    let timer: NodeJS.Timeout | undefined
    port1.on('message', (ev: ConformanceEvent) => {
      clearTimeout(timer)
      if ('start' in ev) {
        const name = ev.start
        current = name
        if (opts.maxCaseMs !== undefined) {
          timer = setTimeout(() => {
            overrun = name
            controller.abort(new Error(`case ${name} over its time budget`))
          }, opts.maxCaseMs)
        }
      } else {
        streamed.push(ev.done)
        current = undefined
      }
    })
    try {
      const results = await pool.runTask<CaseResult[]>(
        { kind: 'conformance', file, bytes, filter: opts.filter, port: port2, skip: [...reported], maxGas: opts.maxCaseGas?.toString() },
        [bytes, port2],
        name,
        controller.signal,
      )
      for (const r of results) record(name, r)
      return
    } catch (e) {
      // Let the results the worker sent before it stopped arrive.
      await new Promise((r) => setTimeout(r, 50))
      for (const r of streamed) {
        reported.add(r.name)
        record(name, r)
      }
      const stuck = overrun ?? current
      if (stuck === undefined || reported.has(stuck)) {
        record(name, { name: '(file)', passed: false, failures: [`worker failed: ${String((e as Error)?.message ?? e).slice(0, 500)}`], blocks: 0 })
        return
      }
      reported.add(stuck)
      const why = overrun
        ? `over its time budget: still running after ${opts.maxCaseMs! / 1000} s; stopped`
        : `worker failed: ${String((e as Error)?.message ?? e).slice(0, 500)}`
      record(name, { name: stuck, passed: false, failures: [why], blocks: 0 })
    } finally {
      clearTimeout(timer)
      port1.close()
    }
  }
}
