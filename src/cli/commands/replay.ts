import { readRegularFile } from '../../witness/inputFile.js'
import { readFile, writeFile } from 'node:fs/promises'
import { TesseraError } from '../../../guest/errors.js'
import type { ChainConfig } from '../../../guest/types.js'
import { limitConcurrency, parseGasBudget, parseTimeBudget, type Budget } from '../../budget/budget.js'
import { createExecutePool, type ExecutePool } from '../../pool/execute.js'
import { createVerifyPool } from '../../pool/verify.js'
// The RPC modules (viem and friends: ~0.25 s of module loading) are imported where a command needs a node, so
// `replay file` starts without them.
import type { Rpc } from '../../rpc/client.js'
import type { ReplayRecord } from '../../rpc/replay.js'
import { replayFiles } from './replayFiles.js'
import { INPUT_OPTIONS, inputFlags } from '../inputFlags.js'
import { BlockListInvalid, checkBelowHead, listedBlocks } from '../blockList.js'
import { closestOption, parseArgs, refuseUnused } from '../args.js'
import { DEFAULT_BENCH_FILE, writeBenchFile } from '../benchFile.js'
import { cachedFilesFor, DEFAULT_CACHE_DIR, rpcBatchToCacheFile } from '../replayCache.js'
import type { RpcBatch } from '../../rpc/blocks.js'
import { writeCacheFile } from '../../witness/cache.js'
import { stateChangeLines } from '../stateChanges.js'
import { ProgressBar, summaryTable } from '../progress.js'

const HELP = `usage:
  tessera replay file <input>... [--witness FILE]     stateless execution of witness files of any producer,
                                                       auto-detected: ethrex-replay caches of every vintage, zk-pig,
                                                       SBV, block+witness JSON/RLP, geth ExtWitness, zevm binary,
                                                       EIP-8025 SSZ, pre-state, EEST; L2 batch caches
                                                       cache_batch_<n>.json run the ethrex L2 guest
  tessera replay block [N|latest] --rpc-url URL        one block from a node (default: the latest)
  tessera replay blocks 1,5,9[,12-15] --rpc-url URL    a list of blocks and ranges (also: blocks 5 6 7, --blocks LIST)
  tessera replay blocks --from A [--to B] --rpc-url URL
  tessera replay blocks --endless [--from A] --rpc-url URL      follow the head (from the head when no --from)
  tessera replay block|blocks ... --cached --network NAME [--cache-dir DIR]   from cache files, by block number
  tessera replay transaction <hash> --rpc-url URL      re-execute a block up to that tx: receipt and state changes
  tessera replay custom [--blocks N] [--txs-per-block K] [--kind KIND]   build blocks locally, then run them
  tessera replay l2 batch|block|transaction ...        ethrex L2 (see 'tessera replay l2 --help')

options:
  --rpc-url URL         JSON-RPC endpoint (HTTP)
  --workers N           execute-pool threads (default: core count)
  --json FILE           write per-block results and the summary as JSON
  --rps N               max requests per second to the node (default: unlimited)
  --concurrency N       blocks fetched/witnessed ahead of execution (default: workers + 1)
  --action execute|prove  prove = execute and report public values (exec backend)
  --backend exec        only 'exec' runs here: it checks execution and makes no zk proof (sp1/risc0 proofs:
                        'tessera prover', docs/ethrex-provers.md; 'tessera doctor' lists the libraries found)
  --zkvm sp1|risc0      ethrex-replay's name for --backend (other zkVMs have no Tessera backend)
  --resource cpu|gpu    gpu needs a zkVM backend; the exec backend runs on the CPU
  --cache-dir DIR       block/blocks from RPC: keep each block's cache file here (default with --cache-level:
                        ./replay_cache); with --cached: where to read them
  --cache-level on|failed|off   keep every block's cache file, only failed blocks', or none (default: off,
                        on when --cache-dir is given)
  --cached              read blocks from cache_<network>_<n>.json files in --cache-dir instead of a node
                        (needs --network: mainnet, hoodi, …, or the chain id of other chains)
  --only-eth-proofs-blocks   blocks: only multiples of 100 (the blocks ethproofs proves)
  --bench               write the execution rate in Mgas/s per block to bench_latest.json (or --bench-file FILE)
  --chain-config FILE   chain config JSON (geth genesis 'config' fields) for non-public chains
  --proofs-only         build witnesses from eth_getProof even if debug_executionWitness is served
  --poll-ms N           --endless: head polling interval (default 2000)
  --witness FILE        replay file: the witness for the block file(s) given
  --network NAME        replay file: public network of inputs that do not name one
  --parent-header FILE  replay file: parent header (JSON or RLP) for witnesses that carry none
  --trust-pre-state-root  replay file: run a headerless witness from its claimed root, marked UNANCHORED
  (replay file --rpc-url URL fetches a missing parent header by hash)
  --max-batch-gas GAS   a file / block whose blocks declare more gas fails by name without running
                        (default 30e9; 0 = no limit)
  --max-batch-seconds S stop a file / block after this long; it fails by name (default none)

Signals: the first SIGINT/SIGTERM finishes what is running and prints the summary so far; a second one
exits at once.

Witnesses come from debug_executionWitness when the node serves it, else from eth_getProof (pre-execution
over RPC state at the parent block). Exit code 1 if any block failed.`

export const OPTIONS = {
  ...INPUT_OPTIONS,
  workers: { type: 'string' },
  json: { type: 'string' },
  rps: { type: 'string' },
  concurrency: { type: 'string' },
  action: { type: 'string' },
  backend: { type: 'string' },
  zkvm: { type: 'string' },
  resource: { type: 'string' },
  'proofs-only': { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  blocks: { type: 'string' },
  endless: { type: 'boolean' },
  'poll-ms': { type: 'string' },
  'cache-dir': { type: 'string' },
  'max-batch-gas': { type: 'string' },
  'max-batch-seconds': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Options only `tessera replay` (not cache, not replay l2) reads. */
const REPLAY_OPTIONS = {
  ...OPTIONS,
  cached: { type: 'boolean' },
  'cache-level': { type: 'string' },
  bench: { type: 'boolean' },
  'bench-file': { type: 'string' },
  'only-eth-proofs-blocks': { type: 'boolean' },
} as const

/** Which flags each subcommand reads (anything else given is refused, never ignored). */
const COMMON_FLAGS = ['workers', 'json', 'action', 'backend', 'zkvm', 'resource', 'max-batch-gas', 'max-batch-seconds', 'bench', 'bench-file']
const BLOCK_FLAGS = [...COMMON_FLAGS, 'rpc-url', 'chain-config', 'rps', 'concurrency', 'proofs-only', 'cache-dir', 'cache-level', 'cached', 'network']
const USED: Record<string, string[]> = {
  file: [...COMMON_FLAGS, 'witness', 'network', 'chain-config', 'parent-header', 'rpc-url', 'trust-pre-state-root'],
  block: BLOCK_FLAGS,
  blocks: [...BLOCK_FLAGS, 'from', 'to', 'blocks', 'endless', 'poll-ms', 'only-eth-proofs-blocks'],
  transaction: ['rpc-url', 'chain-config', 'json', 'rps', 'proofs-only'],
}
/** With --cached nothing is read from a node. */
const NOT_WITH_CACHED = ['rpc-url', 'rps', 'concurrency', 'proofs-only', 'cache-level', 'endless', 'poll-ms']

export type Values = ReturnType<typeof parseArgs<{ options: typeof REPLAY_OPTIONS; allowPositionals: true }>>['values']

export function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${v}`)
  return n
}

const ZKVMS = ['jolt', 'nexus', 'openvm', 'pico', 'risc0', 'sp1', 'ziren', 'zisk']

/**
 * Fill in --action/--backend defaults; --zkvm (ethrex-replay's flag) names the backend where Tessera has one.
 * --resource must be cpu or gpu, and gpu only means something to a zkVM backend.
 */
export function resolveBackend(values: Pick<Values, 'action' | 'backend' | 'zkvm' | 'resource'>): void {
  values.action ??= 'execute'
  if (values.zkvm !== undefined) {
    const z = values.zkvm.toLowerCase()
    if (!ZKVMS.includes(z)) throw new TesseraError(`--zkvm ${values.zkvm} is not a zkVM ethrex-replay knows`, `one of: ${ZKVMS.join(', ')}`)
    if (z !== 'sp1' && z !== 'risc0') throw new TesseraError(`--zkvm ${z}: Tessera has no ${z} backend`, 'Tessera proves with sp1 or risc0 (--zkvm sp1|risc0, or --backend); --backend exec checks execution without a proof')
    if (values.backend !== undefined && values.backend !== z) throw new TesseraError(`--zkvm ${z} and --backend ${values.backend} disagree`, 'give one of them')
    values.backend = z
  }
  values.backend ??= 'exec'
  if (values.resource !== undefined && values.resource !== 'cpu' && values.resource !== 'gpu') throw new TesseraError(`--resource must be cpu or gpu, got ${values.resource}`)
  if (values.resource === 'gpu' && values.backend === 'exec') {
    throw new TesseraError('--resource gpu: the exec backend runs on the CPU and makes no proof', "GPU proving: 'tessera prover --backend sp1|risc0 --resource gpu' (docs/ethrex-provers.md)")
  }
}

export function checkBackend(values: Pick<Values, 'action' | 'backend' | 'zkvm' | 'resource'>): void {
  resolveBackend(values)
  if (values.action !== 'execute' && values.action !== 'prove') throw new Error(`--action must be execute or prove, got ${values.action}`)
  if (values.backend !== 'exec') {
    throw Object.assign(new Error(`backend '${values.backend}' is not available for replay on this host`), {
      hint: "use --backend exec; 'tessera doctor' lists the zkVM libraries found",
    })
  }
}

export async function rpcFrom(values: Pick<Values, 'rpc-url' | 'rps'>): Promise<Rpc> {
  const url = values['rpc-url']
  if (!url) throw new Error('--rpc-url is required')
  const { createRpc } = await import('../../rpc/client.js')
  return createRpc({ url, rps: values.rps ? Number(values.rps) : undefined })
}

/** Chain config: --chain-config file, else inferred from the node's chain id and a block's fields. */
export async function chainConfigFrom(values: Pick<Values, 'chain-config'>, rpc: Rpc, sample: bigint | 'latest'): Promise<ChainConfig> {
  const { edrWarning, inferChainConfig, nodeInfo } = await import('../../rpc/chain.js')
  const { fetchBlock } = await import('../../rpc/witness.js')
  const info = await nodeInfo(rpc)
  const block = await fetchBlock(rpc, sample, false)
  const warning = edrWarning(info, block)
  if (warning) console.error(warning)
  if (values['chain-config']) {
    const json = JSON.parse((await readRegularFile(values['chain-config'])).toString('utf8')) as { config?: ChainConfig } & ChainConfig
    const config = json.config ?? json
    if (config.chainId !== info.chainId) throw new Error(`--chain-config has chainId ${config.chainId}, the node ${info.chainId}`)
    return config
  }
  return inferChainConfig(info.chainId, block)
}

function parseBlockNumber(s: string | undefined, flag: string): bigint | 'latest' {
  if (s === undefined) throw new Error(`${flag} is required`)
  if (s === 'latest') return 'latest'
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) throw new Error(`${flag} must be a block number or 'latest', got ${s}`)
  return BigInt(s)
}

async function headNumber(rpc: Rpc): Promise<bigint> {
  return BigInt(await rpc.request<string>('eth_blockNumber'))
}

interface RunReport {
  records: ReplayRecord[]
  wallMs: number
}

function describe(r: ReplayRecord): string {
  const range = r.first === r.last ? `block ${r.first}` : `blocks ${r.first}-${r.last}`
  return r.ok
    ? `${range}: ok, ${r.transactions} txs, ${r.gasUsed} gas, ${r.executeMs.toFixed(0)} ms${r.witnessSource ? ` (witness: ${r.witnessSource}${r.fallbackReason ? `; ${r.fallbackReason}` : ''})` : ''}`
    : `${range}: FAILED ${r.error?.name ?? 'Error'}: ${r.error?.message}`
}

async function finish(values: Values, command: string, report: RunReport): Promise<number> {
  const { records, wallMs } = report
  const failed = records.filter((r) => !r.ok)
  const sum = (f: (r: ReplayRecord) => number) => records.reduce((n, r) => n + f(r), 0)
  const gasUsed = records.reduce((n, r) => n + r.gasUsed, 0n)
  const row = {
    blocks: sum((r) => Number(r.last - r.first) + 1),
    failed: failed.length,
    transactions: sum((r) => r.transactions),
    gasUsed,
    wallMs,
    executeMs: sum((r) => r.executeMs),
    witnessBytes: sum((r) => r.witnessBytes),
  }
  console.log(summaryTable(row))
  if (values.json) {
    const json = {
      command,
      action: values.action,
      backend: values.backend,
      summary: { ...row, gasUsed: String(gasUsed) },
      blocks: records.map((r) => ({ ...r, first: String(r.first), last: String(r.last), gasUsed: String(r.gasUsed) })),
    }
    await writeFile(values.json, `${JSON.stringify(json, null, 2)}\n`)
  }
  if (values.bench || values['bench-file']) {
    const path = values['bench-file'] ?? DEFAULT_BENCH_FILE
    const n = await writeBenchFile(path, records, values.backend ?? 'exec')
    console.log(`bench: Mgas/s of ${n} block(s) written to ${path}`)
  }
  return failed.length > 0 ? 1 : 0
}

/**
 * Replay block numbers produced by `next` with up to `ahead` blocks being fetched/witnessed while the pool
 * executes. Records come back in completion order; failures are printed as they happen.
 */
async function replayStream(
  rpc: Rpc,
  pool: ExecutePool,
  config: ChainConfig,
  next: () => Promise<bigint | undefined>,
  values: Values,
  bar: ProgressBar,
  ahead: number,
  stopper: { stopped: boolean },
  cache: CacheKeeping,
): Promise<ReplayRecord[]> {
  const records: ReplayRecord[] = []
  const verify = createVerifyPool({ workers: Math.max(1, Math.floor(pool.threads / 2)) })
  const lane = async () => {
    for (;;) {
      if (stopper.stopped) return
      const n = await next()
      if (n === undefined) return
      let batch: RpcBatch | undefined
      const { replayRpcBlocks } = await import('../../rpc/replay.js')
      const r = await replayRpcBlocks(rpc, pool, [n], config, { forceProofs: values['proofs-only'], verify, budget: budgetFrom(values), onBatch: (b) => (batch = b) })
      records.push(r)
      if (cache.level === 'on' || (cache.level === 'failed' && !r.ok)) {
        if (batch === undefined) bar.log(`block ${n}: no cache file (it failed before its witness was built)`, process.stderr)
        else {
          const path = await writeCacheFile(cache.dir, rpcBatchToCacheFile(batch, config))
          if (cache.level === 'failed') bar.log(`block ${n}: cache kept for the failure: ${path}`, process.stderr)
        }
      }
      bar.tick({ ok: r.ok, gasUsed: r.gasUsed, transactions: r.transactions })
      if (!r.ok) bar.log(describe(r), process.stderr)
      else if (values.action === 'prove') bar.log(`${describe(r)} public values ${r.publicValues}`)
      // Following the head there is no end to print at: report each block as it is done.
      else if (values.endless) bar.log(describe(r))
    }
  }
  // Ctrl-C / SIGTERM: finish the blocks in flight, then print the summary; a second one exits at once.
  const onSignal = secondSignalExits(() => {
    stopper.stopped = true
  })
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await Promise.all(Array.from({ length: ahead }, lane))
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await verify.destroy()
  }
  records.sort((a, b) => (a.first < b.first ? -1 : 1))
  return records
}

interface CacheKeeping {
  level: 'on' | 'failed' | 'off'
  dir: string
}

/** --cache-level / --cache-dir for blocks fetched from a node (ethrex-replay keeps them by default; Tessera when asked). */
function cacheKeeping(values: Values): CacheKeeping {
  const level = values['cache-level'] ?? (values['cache-dir'] !== undefined ? 'on' : 'off')
  if (level !== 'on' && level !== 'failed' && level !== 'off') throw new TesseraError(`--cache-level must be on, failed or off, got ${level}`)
  if (level === 'off' && values['cache-dir'] !== undefined) throw new TesseraError('--cache-dir with --cache-level off: nothing would be written there', 'drop one of them')
  return { level, dir: values['cache-dir'] ?? DEFAULT_CACHE_DIR }
}

/** --only-eth-proofs-blocks: the next multiple of 100 at or after n (ethproofs proves every 100th block). */
export const ethProofsBlock = (n: bigint) => ((n + 99n) / 100n) * 100n

async function runBlocks(values: Values, from: bigint | 'latest', to: bigint | 'latest' | undefined, command: string, list?: bigint[]): Promise<number> {
  checkBackend(values)
  const cache = cacheKeeping(values)
  const rpc = await rpcFrom(values)
  const head = await headNumber(rpc)
  if (list !== undefined) checkBelowHead(list, head)
  const onlyEth = values['only-eth-proofs-blocks'] === true
  const step = (n: bigint) => (onlyEth ? ethProofsBlock(n) : n)
  const start = step(from === 'latest' ? head : from)
  const end = to === undefined ? (values.endless ? undefined : head) : to === 'latest' ? head : to
  // A range past the head would wait for blocks that may never come: only --endless waits.
  if (end !== undefined) checkBelowHead([end], head)
  if (start < 1n) throw new Error('block 0 (genesis) has no parent to replay from; start at 1')
  if (end !== undefined && end < start) {
    throw new TesseraError(onlyEth ? `no block from ${from === 'latest' ? head : from} to ${end} is a multiple of 100 (--only-eth-proofs-blocks)` : `--to ${end} is below --from ${start}`)
  }
  const count = list?.length ?? (end === undefined ? undefined : onlyEth ? Number((end - start) / 100n + 1n) : Number(end - start + 1n))
  const config = await chainConfigFrom(values, rpc, start <= head ? start : head)
  const workers = positiveInt(values.workers, '--workers')
  const pool = createExecutePool({ workers })
  const ahead = positiveInt(values.concurrency, '--concurrency') ?? pool.threads + 1
  const bar = new ProgressBar(count)
  const pollMs = positiveInt(values['poll-ms'], '--poll-ms') ?? 2000
  let cursor = start
  let known = head
  const stopper = { stopped: false }
  const next = async (): Promise<bigint | undefined> => {
    if (list !== undefined) return list.shift()
    if (end !== undefined && cursor > end) return undefined
    // Endless: wait for the head to pass the cursor.
    while (cursor > known) {
      if (stopper.stopped) return undefined
      await new Promise((r) => setTimeout(r, pollMs))
      if (stopper.stopped) return undefined
      known = await headNumber(rpc)
    }
    const n = cursor
    cursor = step(cursor + 1n)
    return n
  }
  if (values.endless) console.error(`replay: following the head from block ${start}${onlyEth ? ' (multiples of 100 only)' : ''}; Ctrl-C for the summary`)
  const t0 = performance.now()
  try {
    const records = await replayStream(rpc, pool, config, next, values, bar, ahead, stopper, cache)
    bar.finish()
    if (values.action !== 'prove' && !values.endless && (records.length <= 20 || command === 'block')) for (const r of records) if (r.ok) console.log(describe(r))
    if (cache.level !== 'off') console.log(`cache files: ${cache.dir} (--cache-level ${cache.level})`)
    return await finish(values, command, { records, wallMs: performance.now() - t0 })
  } finally {
    await pool.destroy()
  }
}

/** `--cached --network NAME [--cache-dir DIR]`: the cache files holding `numbers` (every file when undefined), run as `replay file`. */
async function runCached(values: Values, numbers: bigint[] | undefined): Promise<number> {
  const given = NOT_WITH_CACHED.filter((k) => values[k as keyof Values] !== undefined)
  if (given.length > 0) throw new TesseraError(`--cached reads cache files, not a node: drop ${given.map((k) => `--${k}`).join(', ')}`)
  if (values.network === undefined) throw new TesseraError('--cached needs --network (the name in the cache file names: mainnet, hoodi, …, or the chain id)')
  const dir = values['cache-dir'] ?? DEFAULT_CACHE_DIR
  const wanted = numbers && values['only-eth-proofs-blocks'] ? numbers.filter((n) => n % 100n === 0n) : numbers
  if (wanted !== undefined && wanted.length === 0) throw new TesseraError('no asked-for block is a multiple of 100 (--only-eth-proofs-blocks)')
  const { files, extra } = cachedFilesFor(dir, values.network, wanted)
  let paths = files
  if (numbers === undefined && values['only-eth-proofs-blocks']) paths = files.filter((f) => ethProofsBlock(f.first) <= f.last)
  console.error(`replay: ${paths.length} cache file(s) from ${dir}${extra > 0n ? ` (they also hold ${extra} block(s) not asked for, which run too: a file's blocks share one witness)` : ''}`)
  return runFiles({ ...values, network: undefined }, paths.map((f) => f.path))
}

function budgetFrom(values: Values): Budget {
  return {
    maxGas: parseGasBudget(values['max-batch-gas'], 30_000_000_000n),
    maxMs: parseTimeBudget(values['max-batch-seconds'], undefined),
  }
}

/** First signal: `drain()`; second: print a note and exit at once. */
function secondSignalExits(drain: () => void): (signal: string) => void {
  let signals = 0
  return (signal) => {
    if (++signals > 1) {
      console.error(`replay: ${signal} again: exiting now`)
      process.exit(130)
    }
    console.error(`replay: ${signal}: finishing what is running, then the summary (signal again to exit at once)`)
    drain()
  }
}

async function runFiles(values: Values, paths: string[]): Promise<number> {
  if (paths.length === 0) throw new Error('replay file needs at least one input file')
  checkBackend(values)
  const budget: Budget = {
    maxGas: parseGasBudget(values['max-batch-gas'], 30_000_000_000n),
    maxMs: parseTimeBudget(values['max-batch-seconds'], undefined),
  }
  const pool = createExecutePool({ workers: positiveInt(values.workers, '--workers'), startWorkers: 1 })
  // One file per worker at a time, so a time budget measures running, not waiting in the queue.
  const slot = limitConcurrency(pool.threads)
  let stopped = false
  const onSignal = secondSignalExits(() => (stopped = true))
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const bar = new ProgressBar(paths.length)
  const t0 = performance.now()
  try {
    const records = await replayFiles(pool, paths, inputFlags(values), (record) => {
      bar.tick({ ok: record.ok, gasUsed: record.gasUsed, transactions: record.transactions })
      const extra = [
        record.shape ? `shape ${record.shape}` : '',
        record.anchor === 'unanchored' ? 'UNANCHORED (pre-state root taken on trust)' : record.anchor && record.anchor !== 'witness-headers' ? `parent header from ${record.anchor === 'parent-header-rpc' ? '--rpc-url' : '--parent-header'}` : '',
        (values.action === 'prove' || record.shape?.startsWith('ethrex-l2')) && record.publicValues ? `public values ${record.publicValues}` : '',
        record.statelessOutputBytes ? `statelessOutputBytes ${record.statelessOutputBytes}` : '',
      ].filter(Boolean)
      bar.log(record.ok ? `${record.label}: ${describe(record)}${extra.length ? ` (${extra.join('; ')})` : ''}` : `FAILED ${record.error?.name ?? 'Error'}: ${record.error?.message}`)
      for (const note of record.notes ?? []) bar.log(`  note: ${note}`)
    }, { budget, slot, stopped: () => stopped })
    bar.finish()
    if (stopped) console.error(`replay: interrupted; ${records.length} inputs run, the rest not started`)
    const code = await finish(values, 'file', { records, wallMs: performance.now() - t0 })
    return stopped ? 130 : code
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await pool.destroy()
  }
}

/** Block numbers given as positionals (`blocks 1,2` or `blocks 5 6 7`), or with --blocks; undefined when neither. */
function blockListFrom(values: Values, positionals: string[]): bigint[] | undefined {
  if (positionals.length === 0) return listedBlocks(values)
  if (values.blocks !== undefined) throw new BlockListInvalid(positionals.join(' '), 'give the blocks either as arguments or with --blocks, not both')
  return listedBlocks({ ...values, blocks: positionals.join(',') })
}

export async function run(argv: string[]): Promise<number> {
  // Subcommands with options of their own live in their own modules.
  if (argv[0] === 'custom') return (await import('./replayCustom.js')).run(argv.slice(1))
  if (argv[0] === 'l2') return (await import('./replayL2.js')).run(argv.slice(1))
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: REPLAY_OPTIONS })
  const [sub, ...rest] = positionals
  if (values.help || sub === undefined) {
    console.log(HELP)
    return values.help ? 0 : 2
  }
  const used = USED[sub]
  if (used === undefined) {
    const guess = closestOption(sub, [...Object.keys(USED), 'custom', 'l2'])
    throw new TesseraError(`unknown replay subcommand '${sub}' (file, block, blocks, transaction, custom, l2)`, guess ? `did you mean 'tessera replay ${guess}'?` : undefined)
  }
  refuseUnused(values, used, `replay ${sub}`)
  resolveBackend(values)
  if (values.cached && values['rpc-url'] !== undefined) throw new TesseraError('give either --rpc-url (a node) or --cached (cache files), not both')
  switch (sub) {
    case 'file':
      return runFiles(values, rest)
    case 'block': {
      if (rest.length > 1) throw new TesseraError(`replay block takes one block number, got ${rest.length}`, `for several: tessera replay blocks ${rest.join(',')}`)
      // ethrex-replay: no number = the latest block.
      const n = rest[0] === undefined ? 'latest' : parseBlockNumber(rest[0], 'block number')
      if (values.cached) {
        if (n === 'latest') throw new TesseraError('replay block --cached needs a block number (a cache dir has no latest block)')
        return runCached(values, [n])
      }
      return runBlocks(values, n, n, 'block')
    }
    case 'blocks': {
      const list = blockListFrom(values, rest)
      if (list !== undefined && values['only-eth-proofs-blocks']) throw new TesseraError('--only-eth-proofs-blocks picks blocks from a range or the head; it does not filter a list')
      if (values.endless && values.to !== undefined) throw new TesseraError('--endless follows the head and has no end: drop --to')
      if (values.cached) {
        if (list !== undefined) return runCached(values, list)
        if (values.from === undefined && values.to === undefined) return runCached(values, undefined)
        if (values.from === undefined || values.to === undefined) throw new TesseraError('--cached takes both --from and --to, or neither (every cached block)')
        const [a, b] = [parseBlockNumber(values.from, '--from'), parseBlockNumber(values.to, '--to')]
        if (a === 'latest' || b === 'latest') throw new TesseraError('--cached: a cache dir has no latest block; give numbers')
        if (b < a) throw new TesseraError(`--to ${b} is below --from ${a}`)
        return runCached(values, Array.from({ length: Number(b - a + 1n) }, (_, i) => a + BigInt(i)))
      }
      if (list !== undefined) return runBlocks(values, list[0], list[list.length - 1], 'blocks', [...list])
      if (values.from === undefined && !values.endless) {
        throw new TesseraError('replay blocks needs blocks: a list (replay blocks 1,2,3 or 5 6 7), --from A [--to B], or --endless', 'tessera replay --help')
      }
      // ethrex-replay: --endless without --from starts at the head.
      const from = values.from === undefined ? 'latest' : parseBlockNumber(values.from, '--from')
      const to = values.to === undefined ? undefined : parseBlockNumber(values.to, '--to')
      return runBlocks(values, from, to, 'blocks')
    }
    case 'transaction': {
      const hash = rest[0]
      if (!hash || !/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new Error('replay transaction needs a 0x-prefixed 32-byte transaction hash')
      const rpc = await rpcFrom(values)
      const tx = await rpc.request<{ blockNumber: string | null } | null>('eth_getTransactionByHash', [hash])
      if (tx === null || tx.blockNumber === null) throw new Error(`transaction ${hash} not found or not mined yet`)
      const config = await chainConfigFrom(values, rpc, BigInt(tx.blockNumber))
      const { replayTransaction } = await import('../../rpc/transaction.js')
      const r = await replayTransaction(rpc, hash, config, { forceProofs: values['proofs-only'] })
      console.log(
        [
          `transaction ${hash} (block ${r.blockNumber}, index ${r.index})`,
          `  status:        ${r.status}`,
          `  gas used:      ${r.gasUsed}`,
          `  cumulative:    ${r.cumulativeGasUsed}`,
          `  logs:          ${r.logs}`,
          `  node receipt:  ${r.nodeReceipt ? (r.matches ? 'matches' : `DIFFERS (${r.nodeReceipt})`) : 'not available'}`,
          `  witness:       ${r.witnessSource}`,
          ...stateChangeLines(r.changes),
        ].join('\n'),
      )
      if (values.json) await writeFile(values.json, `${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`)
      return r.matches === false ? 1 : 0
    }
    default:
      throw new TesseraError(`unknown replay subcommand '${sub}'`)
  }
}
