import { parseArgs } from '../args.js'
import { createExecutePool } from '../../pool/execute.js'
import { replayRpcBlocks } from '../../rpc/replay.js'
import type { RpcBatch } from '../../rpc/blocks.js'
import { writeCacheFile, type CacheFile } from '../../witness/cache.js'
import { rpcBatchToCacheFile } from '../replayCache.js'
import { BlockListInvalid, checkBelowHead, consecutiveRuns, listedBlocks } from '../blockList.js'
import { ProgressBar } from '../progress.js'
import { refuseUnused } from '../args.js'
import { OPTIONS, chainConfigFrom, positiveInt, rpcFrom } from './replay.js'

const HELP = `usage:
  tessera cache block [N|latest] --rpc-url URL --cache-dir DIR      (default: the latest block)
  tessera cache blocks --from A --to B --rpc-url URL --cache-dir DIR [--per-block]
  tessera cache blocks 1,5,9[,12-15] --rpc-url URL --cache-dir DIR [--per-block]   (also: 5 6 7, --blocks LIST)
  tessera cache l2 batch <N> --rpc-url URL --cache-dir DIR    an ethrex L2 batch: cache_batch_<N>.json

Fetches blocks and their witness (debug_executionWitness, else eth_getProof) and writes ethrex-replay cache
files named cache_<network>_<first>[-<last>].json. A range becomes one file with one witness covering all its
blocks, or one file per block with --per-block. A --blocks list gives one file per run of consecutive blocks
(1,2,3,7 -> cache_…_1-3.json and cache_…_7.json). Every file is checked by executing it statelessly before it
is written (use --no-check to skip). Options as for 'tessera replay' (--rps, --workers, --chain-config, --gzip).`

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'l2') return (await import('./replayL2.js')).runCache(argv.slice(1))
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...OPTIONS, 'per-block': { type: 'boolean' }, 'no-check': { type: 'boolean' }, gzip: { type: 'boolean' } },
  })
  const [sub, arg, ...more] = positionals
  if (values.help || sub === undefined) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  refuseUnused(values, ['rpc-url', 'rps', 'workers', 'chain-config', 'proofs-only', 'from', 'to', 'blocks', 'cache-dir', 'per-block', 'no-check', 'gzip'], `cache ${sub}`)
  const dir = values['cache-dir']
  if (!dir) throw new Error('--cache-dir is required')
  const rpc = await rpcFrom(values)
  const head = BigInt(await rpc.request<string>('eth_blockNumber'))
  let from: bigint
  let to: bigint
  // As replay (and ethrex-replay): `cache blocks 1,2` / `cache blocks 5 6 7`, `cache block` = the latest.
  if (sub === 'blocks' && arg !== undefined && values.blocks !== undefined) throw new BlockListInvalid([arg, ...more].join(' '), 'give the blocks either as arguments or with --blocks, not both')
  if (sub === 'block' && more.length > 0) throw new Error(`cache block takes one block number; for several: tessera cache blocks ${[arg, ...more].join(',')}`)
  const list = sub === 'blocks' ? listedBlocks(arg === undefined ? values : { ...values, blocks: [arg, ...more].join(',') }) : undefined
  if (list !== undefined) {
    checkBelowHead(list, head)
    from = list[0]
    to = list[list.length - 1]
  } else if (sub === 'block') {
    if (arg !== undefined && arg !== 'latest' && !/^(0x[0-9a-fA-F]+|\d+)$/.test(arg)) throw new Error(`cache block: '${arg}' is not a block number`)
    from = to = arg === undefined || arg === 'latest' ? head : BigInt(arg)
  } else if (sub === 'blocks') {
    if (values.from === undefined) throw new Error('cache blocks needs blocks: a list (cache blocks 1,2,3 or 5 6 7), or --from A [--to B]')
    const number = (v: string, flag: string) => {
      if (v === 'latest') return head
      if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new Error(`${flag} must be a block number or latest, got '${v}'`)
      return BigInt(v)
    }
    from = number(values.from, '--from')
    to = values.to === undefined ? head : number(values.to, '--to')
  } else {
    throw new Error(`unknown cache subcommand '${sub}' (block, blocks)`)
  }
  if (from < 1n || to < from) throw new Error(`bad range ${from}..${to}`)
  const config = await chainConfigFrom(values, rpc, from)
  const units: bigint[][] = []
  if (list !== undefined) units.push(...(values['per-block'] ? list.map((n) => [n]) : consecutiveRuns(list)))
  else if (values['per-block']) for (let n = from; n <= to; n++) units.push([n])
  else units.push(Array.from({ length: Number(to - from + 1n) }, (_, i) => from + BigInt(i)))

  const pool = createExecutePool({ workers: positiveInt(values.workers, '--workers') ?? 1 })
  const bar = new ProgressBar(units.length)
  let failed = 0
  try {
    for (const numbers of units) {
      let batch: RpcBatch | undefined
      const r = await replayRpcBlocks(rpc, pool, numbers, config, { forceProofs: values['proofs-only'], onBatch: (b) => (batch = b) })
      // replayRpcBlocks extends the witness in place on retries: serialise its final form.
      const cache: CacheFile | undefined = batch && rpcBatchToCacheFile(batch, config)
      bar.tick({ ok: r.ok || values['no-check'] === true, gasUsed: r.gasUsed, transactions: r.transactions })
      if (cache === undefined || (!r.ok && !values['no-check'])) {
        failed++
        bar.log(`blocks ${numbers[0]}-${numbers[numbers.length - 1]}: not cached: ${r.error?.message}`, process.stderr)
        continue
      }
      const path = await writeCacheFile(dir, cache, { gzip: values.gzip })
      bar.log(`${path}: ${numbers.length} block(s), ${r.transactions} txs, witness ${r.witnessBytes} bytes (${r.witnessSource})`)
    }
  } finally {
    bar.finish()
    await pool.destroy()
  }
  return failed > 0 ? 1 : 0
}
