import { readFile, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import type { CaseResult } from '../../conformance/case.js'
import { listFixtureFiles } from '../../conformance/fixtures.js'
import { createTaskPool } from '../../pool/execute.js'

const HELP = `usage: tessera conformance <path>... [--workers N] [--json FILE] [--filter REGEX]

Runs EF BlockchainTests (files or directories, recursive) through the stateless path: the witness is
recorded from each test's pre-state, then the guest re-executes from the witness alone and must reach the
expected post-state; blocks with expectException must be rejected. Prints one line per failure and closes
with "N passed, M failed". Exit code 1 if any case failed.`

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workers: { type: 'string' },
      json: { type: 'string' },
      filter: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || positionals.length === 0) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  const workers = values.workers !== undefined ? Number(values.workers) : availableParallelism()
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, got ${values.workers}`)
  const files = await listFixtureFiles(positionals)
  const pool = createTaskPool('conformance', { workers, maxHeapMb: 4096 })
  const started = Date.now()
  const all: (CaseResult & { file: string })[] = []
  let passed = 0
  let failed = 0
  try {
    await Promise.all(
      files.map(async (file) => {
        const name = relative(process.cwd(), file)
        let results: CaseResult[]
        try {
          const bytes = (await readFile(file)).buffer as ArrayBuffer
          results = await pool.runTask<CaseResult[]>({ kind: 'conformance', file, bytes, filter: values.filter }, [bytes], name)
        } catch (e) {
          results = [{ name: '(file)', passed: false, failures: [`worker failed: ${(e as Error).message}`], blocks: 0 }]
        }
        for (const r of results) {
          all.push({ ...r, file: name })
          if (r.passed) passed++
          else {
            failed++
            console.log(`FAIL ${name} ${r.name}: ${r.failures.join('; ')}`)
          }
        }
      }),
    )
  } finally {
    await pool.destroy()
  }
  const seconds = (Date.now() - started) / 1000
  if (values.json) {
    all.sort((a, b) => (a.file + a.name).localeCompare(b.file + b.name))
    await writeFile(values.json, JSON.stringify({ passed, failed, seconds, workers, results: all }, null, 1))
  }
  console.error(`${files.length} files, ${workers} workers, ${seconds.toFixed(1)} s`)
  console.log(`${passed} passed, ${failed} failed`)
  return failed === 0 ? 0 : 1
}
