/**
 * `tessera replay custom`: build blocks on the embedded devnet, record their witness, then execute or prove
 * them — ethrex-replay's `custom`, with no node at all. A quick way to try a backend.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from '../args.js'
import { TesseraError } from '../../../guest/errors.js'
import { encodeProgramInput } from '../../witness/programInput.js'
import { encodePublicValues } from '../../../guest/output.js'
import { loadBackend } from '../../backend/index.js'
import { buildCustomBatch } from '../../devnet/custom.js'
import { TRAFFIC_KINDS, type TrafficKind } from '../../devnet/traffic.js'
import { createExecutePool } from '../../pool/execute.js'
import { writeCacheFile } from '../../witness/cache.js'
import { witnessSize } from '../../witness/codec.js'
import { toHex } from '../../witness/hex.js'
import { summaryTable } from '../progress.js'

const HELP = `usage:
  tessera replay custom [--blocks N] [--txs-per-block K] [--kind transfer|erc20|storage|mixed] [--l2]
                        [--action execute|prove] [--backend exec|sp1|risc0] [--fork cancun|prague]
                        [--cache-dir DIR] [--json FILE]

Builds N blocks of K transactions each on an embedded devnet (the generator of the bundled devnet, with
fresh keys funded at genesis), records the witness while building, then runs the guest on all N blocks as
one batch: --action execute (default) checks the blocks statelessly, --action prove hands the same input to
--backend and prints the public values.

kinds:
  transfer  ETH transfers (EIP-1559)
  erc20     ERC-20 transfers (a Solidity token deployed in block 1, some transfers create new balances)
  storage   writes, overwrites and clears of contract storage slots
  mixed     all of the above plus legacy and EIP-2930 txs, precompile calls (ecrecover, sha256,
            identity), one contract creation per block and a blob transaction every other block

options:
  --blocks N            blocks to build (default 1)
  --txs-per-block K     transactions per block, besides block 1's deployments (default 10)
  --kind KIND           traffic (default transfer)
  --l2                  build an L2 batch instead (needs the L2 devnet; see docs/replay.md)
  --fork F              cancun (default) or prague
  --cache-dir DIR       also write the batch as an ethrex-replay cache file (replay it with 'replay file')
  --json FILE           write the run's numbers as JSON
  --workers N           accepted for symmetry with 'replay'; one batch runs on one worker`

const OPTIONS = {
  blocks: { type: 'string', default: '1' },
  'txs-per-block': { type: 'string', default: '10' },
  kind: { type: 'string', default: 'transfer' },
  l2: { type: 'boolean' },
  fork: { type: 'string', default: 'cancun' },
  action: { type: 'string', default: 'execute' },
  backend: { type: 'string', default: 'exec' },
  resource: { type: 'string', default: 'cpu' },
  'cache-dir': { type: 'string' },
  json: { type: 'string' },
  workers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export class CustomOptionInvalid extends TesseraError {}

function integer(v: string, flag: string): number {
  if (!/^\d+$/.test(v)) throw new CustomOptionInvalid(`${flag} must be a positive integer, got '${v}'`)
  return Number(v)
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (positionals.length > 0) throw new CustomOptionInvalid(`replay custom takes no positional arguments, got '${positionals.join(' ')}'`)
  if (values.action !== 'execute' && values.action !== 'prove') throw new CustomOptionInvalid(`--action must be execute or prove, got '${values.action}'`)
  if (!(TRAFFIC_KINDS as readonly string[]).includes(values.kind)) throw new CustomOptionInvalid(`--kind must be one of ${TRAFFIC_KINDS.join(', ')}, got '${values.kind}'`)
  if (values.fork !== 'cancun' && values.fork !== 'prague') throw new CustomOptionInvalid(`--fork must be cancun or prague, got '${values.fork}'`)
  if (values.resource !== 'cpu' && values.resource !== 'gpu') throw new CustomOptionInvalid(`--resource must be cpu or gpu, got '${values.resource}'`)
  const blocks = integer(values.blocks, '--blocks')
  const txsPerBlock = integer(values['txs-per-block'], '--txs-per-block')
  if (values.l2) {
    const { runCustomL2 } = await import('./replayL2.js')
    return runCustomL2({ blocks, txsPerBlock, kind: values.kind as TrafficKind, action: values.action, backend: values.backend, json: values.json })
  }
  // Load the backend before building anything, so an unavailable one fails in a second, not after the build.
  const backend = values.action === 'prove' ? await loadBackend(values.backend, { resource: values.resource }) : undefined
  if (values.action === 'execute' && values.backend !== 'exec') {
    throw new CustomOptionInvalid(`--backend ${values.backend} only applies to --action prove; execute always runs the guest directly`)
  }

  const t0 = performance.now()
  const batch = await buildCustomBatch({ blocks, txsPerBlock, kind: values.kind as TrafficKind, fork: values.fork })
  const buildMs = performance.now() - t0
  const { chain, input } = batch
  const last = chain.blocks[chain.blocks.length - 1]
  const transactions = chain.blocks.reduce((n, b) => n + b.transactions.length, 0)
  const gasUsed = chain.blocks.reduce((n, b) => n + b.header.gasUsed, 0n)
  const witnessBytes = witnessSize(input.witness).bytes
  console.log(`built ${blocks} block(s), ${transactions} txs (${values.kind}), ${(Number(gasUsed) / 1e6).toFixed(2)} Mgas, witness ${witnessBytes} bytes, in ${(buildMs / 1000).toFixed(2)} s`)
  if (values['cache-dir']) console.log(`cache file: ${await writeCacheFile(values['cache-dir'], batch.cache)}`)

  const expected = encodePublicValues({
    initialStateRoot: chain.headers[0].stateRoot,
    finalStateRoot: last.header.stateRoot,
    lastBlockHash: last.hash(),
    chainId: BigInt(chain.chainConfig.chainId),
    transactionCount: BigInt(transactions),
  })
  const t1 = performance.now()
  let publicValues: Uint8Array
  if (backend === undefined) {
    const pool = createExecutePool({ workers: 1 })
    try {
      const r = await pool.run(encodeProgramInput(input), `custom blocks 1-${blocks}`)
      publicValues = encodePublicValues(r.output)
    } finally {
      await pool.destroy()
    }
  } else {
    publicValues = (await backend.prove(encodeProgramInput(input))).publicValues
  }
  const runMs = performance.now() - t1
  const ok = toHex(publicValues) === toHex(expected)
  console.log(
    ok
      ? `blocks 1-${blocks}: ok (${values.action}${backend ? `, backend ${backend.name}` : ''})`
      : `blocks 1-${blocks}: FAILED public values ${toHex(publicValues)} differ from the built chain's ${toHex(expected)}`,
  )
  if (values.action === 'prove') console.log(`public values ${toHex(publicValues)}`)
  console.log(summaryTable({ blocks, failed: ok ? 0 : blocks, transactions, gasUsed, wallMs: runMs, executeMs: runMs, witnessBytes }))
  if (values.json) {
    const json = { command: 'custom', kind: values.kind, action: values.action, backend: values.backend, blocks, transactions, gasUsed: String(gasUsed), witnessBytes, buildMs, runMs, ok, publicValues: toHex(publicValues) }
    await writeFile(values.json, `${JSON.stringify(json, null, 2)}\n`)
  }
  return ok ? 0 : 1
}
