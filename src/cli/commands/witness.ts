import { parseArgs } from '../args.js'
import { describeFailure, inspectResolved, loadInputs, resolveInput, resolveOptionsFromFlags } from '../../witness/formats/index.js'
import { doctorRun } from '../../witness/formats/doctor.js'
import { INPUT_OPTIONS, inputFlags } from '../inputFlags.js'

const HELP = `usage: tessera witness inspect <input>... [--no-run] [--json]

The witness doctor: the producer shape detected, blocks, node/code/header counts and bytes, nodes not
reachable from the pre-state root, and (unless --no-run) a run over the witness: nodes never read, and on
failure the account/slot/trie path that is missing and the producer rule that likely dropped it.
Input flags as for replay file: --witness FILE --network NAME --chain-config FILE --parent-header FILE
--rpc-url URL --trust-pre-state-root`

const OPTIONS = {
  'no-run': { type: 'boolean' },
  json: { type: 'boolean' },
  ...INPUT_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  const [sub, ...paths] = positionals
  if (values.help || sub !== 'inspect' || paths.length === 0) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  const flags = inputFlags(values)
  const grouped = await loadInputs(paths, flags)
  let failed = 0
  for (const { error } of grouped.errors) {
    failed++
    console.error(`FAILED ${describeFailure(error)}`)
  }
  for (const l2 of grouped.l2) console.log(`${l2.file}: ethrex L2 batch input (routed to the L2 guest by replay file)`)
  const opts = await resolveOptionsFromFlags(flags)
  const reports: unknown[] = []
  for (const input of grouped.inputs) {
    let resolved
    try {
      resolved = await resolveInput(input, opts)
    } catch (e) {
      failed++
      console.error(`${input.files.join(' + ')}: shape ${input.shape}, ${input.state.length} nodes, ${input.codes.length} codes, ${input.headers.length} headers`)
      console.error(`FAILED ${describeFailure(e)}${(e as { hint?: string }).hint ? `\nhint: ${(e as { hint?: string }).hint}` : ''}`)
      continue
    }
    const rep = inspectResolved(resolved)
    const runRep = values['no-run'] ? undefined : await doctorRun(resolved)
    if (runRep !== undefined && !runRep.ok) failed++
    reports.push({ ...rep, run: runRep })
    if (values.json) continue
    const lines = [
      `${rep.files.join(' + ')}`,
      `  shape:        ${rep.shape}`,
      `  blocks:       ${rep.blocks.first}${rep.blocks.count > 1 ? `-${rep.blocks.last}` : ''} (${rep.blocks.count} blocks, ${rep.blocks.transactions} txs)`,
      `  anchor:       ${rep.anchor}${rep.preStateRoot ? `, pre-state root ${rep.preStateRoot}` : ''}`,
      `  nodes:        ${rep.nodes.count} (${kib(rep.nodes.bytes)}), ${rep.nodes.reachable} reachable from the root, ${rep.nodes.unreachable} unreachable (unused), ${rep.nodes.absentReferences} referenced subtries not included`,
      `  accounts:     ${rep.accounts} leaves, ${rep.storageTries} storage tries reached`,
      `  codes:        ${rep.codes.count} (${kib(rep.codes.bytes)})`,
      `  headers:      ${rep.headers.count} (${kib(rep.headers.bytes)})`,
      `  keys:         ${rep.keys}`,
      ...rep.notes.map((n) => `  note:         ${n}`),
    ]
    if (runRep !== undefined) {
      lines.push(`  run:          ${runRep.ok ? 'ok' : `FAILED ${runRep.error}`}`)
      lines.push(`  never read:   ${runRep.unreadNodes} nodes, ${runRep.unreadCodes} codes, ${runRep.unreadHeaders} headers${runRep.ok ? '' : ' (up to the failure)'}`)
      if (runRep.diagnosis) lines.push(`  diagnosis:    ${runRep.diagnosis}`)
    }
    console.log(lines.join('\n'))
  }
  if (values.json) console.log(JSON.stringify(reports, (_, v) => (typeof v === 'bigint' ? String(v) : v), 2))
  return failed > 0 ? 1 : 0
}
