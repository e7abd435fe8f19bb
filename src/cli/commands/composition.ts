/**
 * `tessera block-composition`: what blocks are made of — gas by transaction kind and type, and the share of
 * calls reaching precompiles — measured by executing them statelessly, drawn as an SVG chart and written as
 * JSON/CSV.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from '../args.js'
import { TesseraError, WitnessIncomplete } from '../../../guest/errors.js'
import type { ProgramInput } from '../../../guest/types.js'
import { compositionSvg } from '../../composition/chart.js'
import { chainLabel, composeBlocks, type BlockComposition } from '../../composition/compose.js'
import { compositionCsv, compositionJson, compositionTable } from '../../composition/table.js'
import { batchProgramInput, loadRpcBatch } from '../../rpc/blocks.js'
import { cacheFileToProgramInput, chainConfigOfNetwork, readCacheFile } from '../../witness/cache.js'
import { cachedFilesFor, DEFAULT_CACHE_DIR } from '../replayCache.js'
import { checkBelowHead, listedBlocks, parseBlockList } from '../blockList.js'
import { chainConfigFrom, rpcFrom, type Values } from './replay.js'

const HELP = `usage:
  tessera block-composition <N> --rpc-url URL [--out chart.svg] [--json F] [--csv F]
  tessera block-composition --from A [--to B] --rpc-url URL ...
  tessera block-composition --blocks 1,5,9 --rpc-url URL ...
  tessera block-composition <N> | --from A --to B  --cached --network NAME [--cache-dir DIR]
  tessera block-composition --cache FILE... [--from A --to B] ...

Per block: gas used split by transaction kind (plain transfer, contract call, contract creation,
privileged 0x7e, blob) and by transaction type, and the share of message calls that reached a precompile;
over all blocks: the top 10 selectors by calls and by gas used, and the top 10 destinations.
The blocks are executed statelessly (the guest with an observer), so every block is also verified; a block
that fails verification stops the command with the guest's error. All blocks must be of one network.

options:
  --rpc-url URL        node to fetch blocks and witnesses from (debug_executionWitness, else eth_getProof)
  --cache FILE...      ethrex-replay cache files instead of a node (--from/--to then pick blocks from them)
  --cached --network NAME [--cache-dir DIR]   the cache files of those blocks in DIR (default ./replay_cache)
  --from A --to B      block range (inclusive); --to defaults to --from
  --blocks LIST        block list, e.g. 1,5,9 or 3-6,10 (RPC, --cached)
  --out FILE           SVG chart (default block-composition.svg; --output-dir DIR puts it in DIR)
  --json FILE          the numbers as JSON
  --csv FILE           the numbers as CSV, one row per block
  --chain-config FILE  chain config for non-public chains (RPC)
  --rps N              max requests per second to the node`

export class CompositionInputInvalid extends TesseraError {}

function blockNumber(v: string, flag: string): bigint {
  if (v.includes(',') || v.includes('-')) throw new CompositionInputInvalid(`${flag} takes one block number, got '${v}'`)
  return parseBlockList(v)[0]
}

/** Blocks of the cache files, kept only if inside [from, to] (or in `only`). All files must be of one chain. */
async function fromCacheFiles(paths: string[], from?: bigint, to?: bigint, only?: bigint[]): Promise<{ blocks: BlockComposition[]; network: string }> {
  const out: BlockComposition[] = []
  let first: { path: string; chainId: number; label: string } | undefined
  for (const path of paths) {
    const cache = await readCacheFile(path)
    const config = chainConfigOfNetwork(cache.network)
    const here = { path, chainId: Number(config.chainId), label: chainLabel(config) }
    first ??= here
    if (here.chainId !== first.chainId) {
      throw new CompositionInputInvalid(`${path} is ${here.label} (chain id ${here.chainId}) but ${first.path} is ${first.label} (chain id ${first.chainId})`, 'one chart shows blocks of one network: run block-composition once per network')
    }
    let input: ProgramInput
    try {
      input = cacheFileToProgramInput(cache)
    } catch (e) {
      throw Object.assign(e as Error, { message: `${path}: ${(e as Error).message}` })
    }
    const composed = await composeBlocks(input).catch((e: Error) => {
      throw Object.assign(e, { message: `${path}: ${e.message}` })
    })
    out.push(...composed.filter((b) => (only ? only.includes(b.number) : (from === undefined || b.number >= from) && (to === undefined || b.number <= to))))
  }
  out.sort((a, b) => (a.number < b.number ? -1 : 1))
  for (let i = 1; i < out.length; i++) {
    if (out[i].number === out[i - 1].number) throw new CompositionInputInvalid(`block ${out[i].number} is in more than one cache file`)
  }
  if (out.length === 0) throw new CompositionInputInvalid(`no block of the cache files is in ${from}..${to ?? from}`)
  return { blocks: out, network: first!.label }
}

const MAX_EXTENSIONS = 8

async function fromRpc(values: Pick<Values, 'rpc-url' | 'rps' | 'chain-config'> & { 'proofs-only'?: boolean }, numbers: bigint[]): Promise<{ blocks: BlockComposition[]; network: string }> {
  const rpc = await rpcFrom(values)
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
  return { blocks: out, network: chainLabel(config) }
}

const OPTIONS = {
  'rpc-url': { type: 'string' },
  rps: { type: 'string' },
  'chain-config': { type: 'string' },
  'proofs-only': { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  blocks: { type: 'string' },
  cache: { type: 'string', multiple: true },
  cached: { type: 'boolean' },
  network: { type: 'string' },
  'cache-dir': { type: 'string' },
  out: { type: 'string' },
  'output-dir': { type: 'string' },
  json: { type: 'string' },
  csv: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  // Positionals are cache files after --cache; otherwise one block number (ethrex-replay: block-composition 5).
  const cacheFiles = [...(values.cache ?? []), ...(values.cache ? positionals : [])]
  let block: bigint | undefined
  if (!values.cache && positionals.length > 0) {
    if (positionals.length > 1 || !/^(0x[0-9a-fA-F]+|\d+)$/.test(positionals[0])) {
      throw new CompositionInputInvalid(`unexpected argument '${positionals.join(' ')}': give one block number (block-composition 5), or cache files after --cache`)
    }
    if (values.from !== undefined || values.to !== undefined || values.blocks !== undefined) throw new CompositionInputInvalid('a block number cannot be combined with --from/--to/--blocks')
    block = blockNumber(positionals[0], 'block')
  }
  const sources = [cacheFiles.length > 0 && '--cache', values['rpc-url'] && '--rpc-url', values.cached && '--cached'].filter(Boolean)
  if (sources.length > 1) throw new CompositionInputInvalid(`give one data source, not ${sources.join(' and ')}: either --rpc-url or --cache (or --cached)`)
  if (sources.length === 0) {
    console.error(HELP)
    throw new CompositionInputInvalid('block-composition needs a data source: --rpc-url URL or --cache FILE... (or --cached --network NAME)')
  }
  if (!values.cached && (values.network !== undefined || values['cache-dir'] !== undefined)) throw new CompositionInputInvalid('--network and --cache-dir go with --cached')
  if (values['rpc-url'] === undefined && (values.rps !== undefined || values['proofs-only'] || values['chain-config'] !== undefined)) {
    throw new CompositionInputInvalid('--rps, --proofs-only and --chain-config apply to --rpc-url only')
  }
  if (values.out !== undefined && values['output-dir'] !== undefined) throw new CompositionInputInvalid('give --out FILE or --output-dir DIR, not both')
  const out = values['output-dir'] !== undefined ? join(values['output-dir'], 'block-composition.svg') : (values.out ?? 'block-composition.svg')
  const from = block ?? (values.from === undefined ? undefined : blockNumber(values.from, '--from'))
  const to = block ?? (values.to === undefined ? from : blockNumber(values.to, '--to'))
  if (values.to !== undefined && values.from === undefined) throw new CompositionInputInvalid('--to needs --from')
  if (from !== undefined && to !== undefined && to < from) throw new CompositionInputInvalid(`--to ${to} is below --from ${from}`)

  let result: { blocks: BlockComposition[]; network: string }
  if (cacheFiles.length > 0) {
    if (values.blocks !== undefined) throw new CompositionInputInvalid('--blocks applies to --rpc-url and --cached; with --cache use --from/--to')
    result = await fromCacheFiles(cacheFiles, from, to)
  } else {
    const list = listedBlocks(values)
    if (list === undefined && from === undefined) throw new CompositionInputInvalid(`${values.cached ? '--cached' : '--rpc-url'} needs a block number, --from [--to] or --blocks`)
    const numbers = list ?? Array.from({ length: Number(to! - from! + 1n) }, (_, i) => from! + BigInt(i))
    if (numbers.length > 10_000) throw new CompositionInputInvalid(`${numbers.length} blocks is too many for one chart (at most 10000)`)
    if (values.cached) {
      if (values.network === undefined) throw new CompositionInputInvalid('--cached needs --network (the name in the cache file names: mainnet, hoodi, …, or the chain id)')
      const { files } = cachedFilesFor(values['cache-dir'] ?? DEFAULT_CACHE_DIR, values.network, numbers)
      result = await fromCacheFiles(files.map((f) => f.path), undefined, undefined, numbers)
    } else {
      result = await fromRpc(values, numbers)
    }
  }
  console.log(compositionTable(result.blocks))
  const svg = await compositionSvg(result.blocks, { network: result.network })
  if (values['output-dir'] !== undefined) await mkdir(values['output-dir'], { recursive: true })
  await writeFile(out, svg)
  console.log(`chart: ${out}`)
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
