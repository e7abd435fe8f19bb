import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from '../args.js'
import { SUITES } from '../../../bench/index.js'
import { createGuestSuite } from '../../../bench/suites/guest.js'
import { createReplaySuite } from '../../../bench/suites/replay.js'
import { ratioTable, renderSvg, runSuites } from '../../../bench/report.js'
import type { SuiteResult } from '../../../bench/types.js'
import { hostCrypto, packageRoot } from '../../crypto/index.js'

const USAGE = `usage: tessera bench [--suite NAME]... [--quick] [--profile] [--time MS] [--json FILE] [--svg FILE] [--list]
       tessera bench --suite guest (--blocks FILE... | --set real) [--json FILE]
       tessera bench --suite replay --set real [--json FILE]

  --suite NAME   run only this suite (repeatable); see --list
  --quick        short runs (about 5x faster, noisier; the guest suite uses its quick block subset)
  --profile      guest suite: also profile one guest pass and print the top 10 self-time functions
                 (the .cpuprofile is written next to the JSON, for a flame graph in DevTools/speedscope)
  --time MS      measuring time per task (default 400, quick 80)
  --json FILE    JSON results (default bench-results.json; --out is the same)
  --svg FILE     bar chart of the results (default: next to the JSON, .svg)
  --list         list suites and exit
  --blocks FILE... guest suite on your own witness files (any shape \`replay file\` reads), block by block:
                 warm and cold Mgas/s, the guest against the stateful VM with the same crypto, where the time goes
  --set real     guest or replay suite on the built-in real-chain set (Hoodi, Holesky and ethrex caches from ../shared/fixtures)

TESSERA_NATIVE=0 runs everything without the native addon and native secp256k1.`

export async function run(argv: string[]): Promise<number> {
  let positionals: string[]
  let values: { blocks?: string[]; set?: string; suite?: string[]; quick?: boolean; profile?: boolean; time?: string; out?: string; json?: string; svg?: string; list?: boolean; help?: boolean }
  try {
    ;({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        blocks: { type: 'string', multiple: true },
        set: { type: 'string' },
        suite: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        profile: { type: 'boolean' },
        time: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'string' },
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
  // `--blocks a.json b.json`: the first file is the flag's value, the rest arrive as positionals.
  const files = values.blocks === undefined ? undefined : [...values.blocks, ...positionals]
  if (files === undefined && positionals.length > 0) {
    console.error(`tessera bench: unexpected argument ${positionals[0]} (files go after --blocks)\n\n${USAGE}`)
    return 2
  }
  if (values.set !== undefined && values.set !== 'real') {
    console.error(`tessera bench: unknown set ${values.set} (have: real)`)
    return 2
  }
  if (files !== undefined && values.set !== undefined) {
    console.error('tessera bench: give either --blocks FILE... or --set real, not both')
    return 2
  }
  if (files !== undefined && wanted.some((n) => n !== 'guest')) {
    console.error('tessera bench: --blocks applies to the guest suite only (use --suite guest)')
    return 2
  }
  if (values.set !== undefined && wanted.some((n) => n !== 'guest' && n !== 'replay')) {
    console.error('tessera bench: --set applies to the guest and replay suites (use --suite guest and/or --suite replay)')
    return 2
  }
  const set = values.set as 'real' | undefined
  const suites =
    files !== undefined
      ? [createGuestSuite({ files })]
      : set !== undefined
        ? (wanted.length > 0 ? wanted : ['guest']).map((n) => (n === 'guest' ? createGuestSuite({ set }) : createReplaySuite({ set })))
        : wanted.length > 0
          ? SUITES.filter((s) => wanted.includes(s.name))
          : SUITES
  const quick = values.quick ?? false
  const timeMs = values.time !== undefined ? Number(values.time) : quick ? 80 : 400
  if (!Number.isFinite(timeMs) || timeMs <= 0) {
    console.error('tessera bench: --time must be a positive number of milliseconds')
    return 2
  }
  const out = values.json ?? values.out ?? 'bench-results.json'
  const svg = values.svg ?? out.replace(/\.json$/i, '') + '.svg'

  let version = 'unknown'
  try {
    version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    // keep 'unknown'
  }
  // Ctrl-C / SIGTERM: finish the suite in progress, then write and print what was measured; a second exits at once.
  let signals = 0
  const onSignal = () => {
    if (++signals > 1) {
      console.error('tessera bench: interrupted')
      process.exit(130)
    }
    console.error('tessera bench: stopping after the suite in progress (signal again to exit at once)')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let report: Awaited<ReturnType<typeof runSuites>>
  try {
    report = await runSuites(
      suites,
      { quick, timeMs, profile: values.profile ?? false, log: (line) => console.error(line) },
      { tessera: version, activeCrypto: hostCrypto().description },
      () => signals > 0,
    )
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const profiles: string[] = []
  for (const s of report.suites) {
    if (s.profile?.cpuprofile === undefined) continue
    const file = `${out.replace(/\.json$/i, '')}.${s.suite}.cpuprofile`
    writeFileSync(file, JSON.stringify(s.profile.cpuprofile))
    delete s.profile.cpuprofile
    profiles.push(file)
  }
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n')
  writeFileSync(svg, renderSvg(report))
  console.log(ratioTable(report))
  for (const s of report.suites) if (s.perBlock !== undefined) console.log(perBlockTable(s.perBlock))
  for (const s of report.suites) {
    if (s.profile === undefined) continue
    console.log(`${s.suite}: top self time (${s.profile.engine}, ${s.profile.totalMs.toFixed(0)} ms sampled)`)
    for (const f of s.profile.top) console.log(`  ${f.selfPercent.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`)
  }
  console.log(`wrote ${out} and ${svg}${profiles.length > 0 ? ` and ${profiles.join(', ')}` : ''}`)
  if (signals > 0) {
    console.error(`tessera bench: interrupted; ${suites.length - report.suites.length} of ${suites.length} suites not run`)
    return 130
  }
  return 0
}

/** The guest suite's block-by-block rows as a terminal table. */
function perBlockTable(rows: NonNullable<SuiteResult['perBlock']>): string {
  const head = ['block', 'Mgas', 'warm Mgas/s', 'x VM same crypto', 'cold ms', 'cold/warm', '(cpu)', 'replay s', 'top 3: where the time goes']
  const body = rows.map((r) => [
    r.label.slice(0, 40),
    (r.gas / 1e6).toFixed(2),
    r.warmMgasPerSecond.toFixed(1),
    `x${r.vsStatefulSameCrypto.toFixed(2)}`,
    r.coldMs?.toFixed(0) ?? '-',
    r.coldOverWarm !== undefined ? `x${r.coldOverWarm.toFixed(2)}` : '-',
    r.coldCpuOverWarm !== undefined ? `x${r.coldCpuOverWarm.toFixed(2)}` : '-',
    r.replayCommandMs !== undefined ? (r.replayCommandMs / 1000).toFixed(2) : '-',
    r.categories.slice(0, 3).map((c) => `${c.category} ${c.percent.toFixed(0)}%`).join(', '),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()
  return [line(head), ...body.map(line)].join('\n')
}
