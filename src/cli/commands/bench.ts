import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SUITES } from '../../../bench/index.js'
import { ratioTable, renderSvg, runSuites } from '../../../bench/report.js'
import { hostCrypto, packageRoot } from '../../crypto/index.js'

const USAGE = `usage: tessera bench [--suite NAME]... [--quick] [--time MS] [--out FILE] [--svg FILE] [--list]

  --suite NAME   run only this suite (repeatable); see --list
  --quick        short runs (about 5x faster, noisier)
  --time MS      measuring time per task (default 400, quick 80)
  --out FILE     JSON results (default bench-results.json)
  --svg FILE     bar chart of the results (default: next to --out, .svg)
  --list         list suites and exit

TESSERA_NATIVE=0 runs everything without the native addon and native secp256k1.`

export async function run(argv: string[]): Promise<number> {
  let values: { suite?: string[]; quick?: boolean; time?: string; out?: string; svg?: string; list?: boolean; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        suite: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        time: { type: 'string' },
        out: { type: 'string' },
        svg: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (e) {
    console.error(`tessera bench: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  if (values.list) {
    for (const s of SUITES) console.log(`${s.name.padEnd(12)} ${s.description}`)
    return 0
  }
  const wanted = values.suite ?? []
  const unknown = wanted.filter((n) => !SUITES.some((s) => s.name === n))
  if (unknown.length > 0) {
    console.error(`tessera bench: unknown suite ${unknown.join(', ')} (have: ${SUITES.map((s) => s.name).join(', ')})`)
    return 2
  }
  const suites = wanted.length > 0 ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES
  const quick = values.quick ?? false
  const timeMs = values.time !== undefined ? Number(values.time) : quick ? 80 : 400
  if (!Number.isFinite(timeMs) || timeMs <= 0) {
    console.error('tessera bench: --time must be a positive number of milliseconds')
    return 2
  }
  const out = values.out ?? 'bench-results.json'
  const svg = values.svg ?? out.replace(/\.json$/i, '') + '.svg'

  let version = 'unknown'
  try {
    version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    // keep 'unknown'
  }
  const report = await runSuites(
    suites,
    { quick, timeMs, log: (line) => console.error(line) },
    { tessera: version, activeCrypto: hostCrypto().description },
  )
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n')
  writeFileSync(svg, renderSvg(report))
  console.log(ratioTable(report))
  console.log(`wrote ${out} and ${svg}`)
  return 0
}
