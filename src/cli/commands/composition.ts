/**
 * `tessera block-composition`: what blocks are made of — gas by transaction kind and type, and the share of
 * calls reaching precompiles — measured by executing them statelessly, drawn as an SVG chart and written as
 * JSON/CSV.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from '../args.js'
import { TesseraError, WitnessIncomplete } from '../../../guest/errors.js'
import type { ProgramInput } from '../../../guest/types.js'
import { compositionSvg } from '../../composition/chart.js'
import { composeBlocks, type BlockComposition } from '../../composition/compose.js'
import { compositionCsv, compositionJson, compositionTable } from '../../composition/table.js'
import { batchProgramInput, loadRpcBatch } from '../../rpc/blocks.js'
import { cacheFileToProgramInput, networkName, readCacheFile } from '../../witness/cache.js'
import { checkBelowHead, listedBlocks, parseBlockList } from '../blockList.js'
import { OPTIONS as REPLAY_OPTIONS, chainConfigFrom, rpcFrom, type Values } from './replay.js'

const HELP = `usage:
  tessera block-composition --from A [--to B] --rpc-url URL [--out chart.svg] [--json F] [--csv F]
  tessera block-composition --blocks 1,5,9 --rpc-url URL ...
  tessera block-composition --cache FILE... [--from A --to B] [--out chart.svg] [--json F] [--csv F]

Per block: gas used split by transaction kind (plain transfer, contract call, contract creation,
privileged 0x7e, blob) and by transaction type, and the share of message calls that reached a precompile.
The blocks are executed statelessly (the guest with an observer), so every block is also verified; a block
that fails verification stops the command with the guest's error.

options:
  --rpc-url URL        node to fetch blocks and witnesses from (debug_executionWitness, else eth_getProof)
  --cache FILE...      ethrex-replay cache files instead of a node (--from/--to then pick blocks from them)
  --from A --to B      block range (inclusive); --to defaults to --from
  --blocks LIST        block list, e.g. 1,5,9 or 3-6,10 (RPC only)
  --out FILE           SVG chart (default block-composition.svg)
  --json FILE          the numbers as JSON
  --csv FILE           the numbers as CSV, one row per block
  --chain-config FILE  chain config for non-public chains (RPC)
  --rps N              max requests per second to the node`

export class CompositionInputInvalid extends TesseraError {}

function blockNumber(v: string, flag: string): bigint {
  if (v.includes(',') || v.includes('-')) throw new CompositionInputInvalid(`${flag} takes one block number, got '${v}'`)
  return parseBlockList(v)[0]
}

/** Blocks of a program input, kept only if inside [from, to]. */
async function fromCacheFiles(paths: string[], from?: bigint, to?: bigint): Promise<{ blocks: BlockComposition[]; network: string }> {
  const out: BlockComposition[] = []
  let network = ''
  for (const path of paths) {
    const cache = await readCacheFile(path)
    network ||= networkName(cache.network)
    let input: ProgramInput
    try {
      input = cacheFileToProgramInput(cache)
    } catch (e) {
      throw Object.assign(e as Error, { message: `${path}: ${(e as Error).message}` })
    }
    const composed = await composeBlocks(input).catch((e: Error) => {
      throw Object.assign(e, { message: `${path}: ${e.message}` })
    })
    out.push(...composed.filter((b) => (from === undefined || b.number >= from) && (to === undefined || b.number <= to)))
  }
  out.sort((a, b) => (a.number < b.number ? -1 : 1))
  for (let i = 1; i < out.length; i++) {
    if (out[i].number === out[i - 1].number) throw new CompositionInputInvalid(`block ${out[i].number} is in more than one cache file`)
  }
  if (out.length === 0) throw new CompositionInputInvalid(`no block of the cache files is in ${from}..${to ?? from}`)
  return { blocks: out, network }
}

const MAX_EXTENSIONS = 8

async function fromRpc(values: Pick<Values, 'rpc-url' | 'rps' | 'chain-config' | 'proofs-only'>, numbers: bigint[]): Promise<{ blocks: BlockComposition[]; network: string }> {
  const rpc = rpcFrom(values)
  const head = BigInt(await rpc.request<string>('eth_blockNumber'))
  checkBelowHead(numbers, head)
  const config = await chainConfigFrom(values, rpc, numbers[0])
  const out: BlockComposition[] = []
  for (const n of numbers) {
    const batch = await loadRpcBatch(rpc, [n], config, { forceProofs: values['proofs-only'] })
    for (let extensions = 0; ; extensions++) {
      try {
        out.push(...(await composeBlocks(batchProgramInput(batch))))
        break
      } catch (e) {
        if (e instanceof WitnessIncomplete && extensions < MAX_EXTENSIONS && (await batch.witness.extend(e).catch(() => false))) continue
        throw Object.assign(e as Error, { message: `block ${n}: ${(e as Error).message}` })
      }
    }
    process.stderr.write(`block ${n}: ${out[out.length - 1].transactions} txs\n`)
  }
  return { blocks: out, network: config.publicNetwork ?? `chain ${config.chainId}` }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...REPLAY_OPTIONS, cache: { type: 'string', multiple: true }, out: { type: 'string', default: 'block-composition.svg' }, csv: { type: 'string' } },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const cacheFiles = [...(values.cache ?? []), ...(values.cache ? positionals : [])]
  if (!values.cache && positionals.length > 0) throw new CompositionInputInvalid(`unexpected argument '${positionals[0]}' (cache files go after --cache)`)
  if (cacheFiles.length > 0 && values['rpc-url']) throw new CompositionInputInvalid('give either --rpc-url or --cache, not both')
  if (cacheFiles.length === 0 && !values['rpc-url']) {
    console.error(HELP)
    throw new CompositionInputInvalid('block-composition needs a data source: --rpc-url URL or --cache FILE...')
  }
  const from = values.from === undefined ? undefined : blockNumber(values.from, '--from')
  const to = values.to === undefined ? from : blockNumber(values.to, '--to')
  if (values.to !== undefined && from === undefined) throw new CompositionInputInvalid('--to needs --from')
  if (from !== undefined && to !== undefined && to < from) throw new CompositionInputInvalid(`--to ${to} is below --from ${from}`)

  let result: { blocks: BlockComposition[]; network: string }
  if (cacheFiles.length > 0) {
    if (values.blocks !== undefined) throw new CompositionInputInvalid('--blocks applies to --rpc-url; with --cache use --from/--to')
    result = await fromCacheFiles(cacheFiles, from, to)
  } else {
    const list = listedBlocks(values)
    if (list === undefined && from === undefined) throw new CompositionInputInvalid('--rpc-url needs --from [--to] or --blocks')
    const numbers = list ?? Array.from({ length: Number(to! - from! + 1n) }, (_, i) => from! + BigInt(i))
    if (numbers.length > 10_000) throw new CompositionInputInvalid(`${numbers.length} blocks is too many for one chart (at most 10000)`)
    result = await fromRpc(values, numbers)
  }
  console.log(compositionTable(result.blocks))
  const svg = await compositionSvg(result.blocks, { network: result.network })
  await writeFile(values.out, svg)
  console.log(`chart: ${values.out}`)
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify({ network: result.network, ...compositionJson(result.blocks) }, null, 2)}\n`)
    console.log(`json: ${values.json}`)
  }
  if (values.csv) {
    await writeFile(values.csv, compositionCsv(result.blocks))
    console.log(`csv: ${values.csv}`)
  }
  return 0
}
