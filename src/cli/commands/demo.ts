import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from '../args.js'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { decodeProgramInput } from '../../../guest/input.js'
import { decodeL2ProgramInput, isEncodedL2Input } from '../../../guest/l2/input.js'
import { decodeL2PublicValues } from '../../../guest/l2/output.js'
import { decodePublicValues } from '../../../guest/output.js'
import { proverTypeOf, type ProveResult } from '../../backend/index.js'
import { Coordinator } from '../../coordinator/coordinator.js'
import { loadDirectory, rlpBlockNumber } from '../../coordinator/source.js'
import { CoordinatorStore } from '../../coordinator/store.js'
import { DEFAULT_SERVER_LIMITS, formatAddress } from '../../protocol/transport.js'
import { createProvePool, type ProveRunner } from '../../prover/pool.js'
import { Prover, type ProverSummary } from '../../prover/prover.js'
import { mgasPerSecond } from '../progress.js'
import { cliLogger, packageVersion, positiveInt } from './coordinator.js'
import { loopJson, runDemoLoop } from './demoLoop.js'

const HELP = `usage: tessera demo [options]

Self-contained demo of the main deployment: a proof coordinator and an exec prover talking over loopback TCP
(127.0.0.1, ephemeral port, SQLite in a temp dir), proving the bundled devnet batches, then a summary table.

  --source DIR      batches to prove (default: the bundled fixtures/devnet)
  --l2              also prove the bundled ethrex L2 batches (fixtures/l2) side by side, with the L2 guest;
                    then run the L1 <-> L2 loop on a local Hardhat L1 (127.0.0.1): deposit ETH and an ERC-20,
                    credited on L2, batch committed, proven (coordinator + exec prover), verified by the proof
                    sender, withdrawal on L2, claimed on L1 with its Merkle proof, and the negative cases
                    (wrong proof, second claim, claim before verification, wrong public values) reverted
  --workers N       prover worker threads (default 2)
  --keep            keep the temp dir with the coordinator's SQLite db
  --json FILE       also write the summary as JSON
  --quiet           no progress lines (only the table and the verdict)
  --log-level LVL   pino level of the coordinator and prover logs (default warn)
`

const PROVER_TYPE = 'Exec'
const PROVER_TIMEOUT_MS = 600_000

/** The bundled devnet batch set, found next to the compiled module (dist/src/cli/commands or src/cli/commands). */
export function bundledDevnet(): string {
  const candidates = ['../../../../fixtures/devnet', '../../../fixtures/devnet'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]
}

/** The bundled L2 devnet batches (scripts/make-l2-devnet.ts), proven beside the L1 ones with --l2. */
export function bundledL2Devnet(): string {
  const candidates = ['../../../../fixtures/l2', '../../../fixtures/l2'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]
}

/** RLP blocks of a stored batch, L1 ProgramInput or ethrex L2 batch. */
function storedBlocks(input: Uint8Array): Uint8Array[] {
  return isEncodedL2Input(input) ? decodeL2ProgramInput(input).blocks : decodeProgramInput(input).blocks
}

/** Final state root and last block hash from 160-byte L1 or 256-byte L2 public values. */
function publicValuesEnd(values: Uint8Array): { finalStateRoot: Uint8Array; lastBlockHash: Uint8Array } {
  return values.length === 160 ? decodePublicValues(values) : decodeL2PublicValues(values)
}

/** A failure the demo reports as one sentence. */
class DemoError extends Error {}

/** What a batch holds, read from its blocks. */
interface BatchFacts {
  batch: number
  source: string
  firstBlock: number
  lastBlock: number
  blocks: number
  transactions: number
}

interface BatchInfo extends BatchFacts {
  gasUsed: bigint
  /** stateRoot and hash of the last block's header. */
  lastStateRoot: Uint8Array
  lastBlockHash: Uint8Array
}

export interface DemoBatchRow extends BatchFacts {
  gasUsed: number
  provingMs: number | null
  finalStateRoot: string | null
  publicValues: string | null
  proofBytes: number | null
  verified: boolean
}

export interface DemoSummary {
  source: string
  workers: number
  address: string
  batches: DemoBatchRow[]
  totals: {
    batches: number
    proven: number
    blocks: number
    transactions: number
    gasUsed: number
    wallMs: number
    mgasPerSecond: number
  }
  verified: boolean
  errors: string[]
  /** --l2: the L1 <-> L2 loop (bigints as decimal strings), or why it was skipped / failed. */
  loop?: unknown
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`
const short = (h: string | null, head = 8, tail = 6) => (h === null ? '-' : h.length <= 2 + head + tail + 1 ? h : `${h.slice(0, 2 + head)}…${h.slice(-tail)}`)
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

function uint(bytes: unknown): bigint {
  if (!(bytes instanceof Uint8Array)) throw new DemoError('a block header field is not a byte string')
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** Blocks, transactions, gas and the last header's stateRoot/hash of a stored batch, from its block RLP. */
function describeBatch(batch: number, source: string, input: Uint8Array): BatchInfo {
  const blocks = storedBlocks(input)
  if (blocks.length === 0) throw new DemoError(`batch ${batch} (${source}) has no blocks`)
  let transactions = 0
  let gasUsed = 0n
  let lastStateRoot: Uint8Array = new Uint8Array(0)
  let lastBlockHash: Uint8Array = new Uint8Array(0)
  for (const block of blocks) {
    const [header, txs] = RLP.decode(block) as unknown[]
    if (!Array.isArray(header) || !Array.isArray(txs)) throw new DemoError(`batch ${batch} (${source}) holds a block that is not an RLP block`)
    transactions += txs.length
    gasUsed += uint(header[10])
    lastStateRoot = header[3] as Uint8Array
    lastBlockHash = keccak_256(RLP.encode(header as Uint8Array[]))
  }
  return {
    batch,
    source,
    firstBlock: rlpBlockNumber(blocks[0]),
    lastBlock: rlpBlockNumber(blocks[blocks.length - 1]),
    blocks: blocks.length,
    transactions,
    gasUsed,
    lastStateRoot,
    lastBlockHash,
  }
}

/** One chain's batches: batch, file, blocks, txs, gas, prove time, final state root, checked. */
function table(title: string, rows: DemoBatchRow[]): string {
  const head = ['batch', 'file', 'blocks', 'txs', 'gas used', 'prove ms', 'final state root', 'checked']
  const right = [true, false, false, true, true, true, false, false]
  const body = rows.map((r) => [
    String(r.batch),
    basename(r.source),
    `${r.firstBlock}-${r.lastBlock}`,
    String(r.transactions),
    r.gasUsed.toLocaleString('en-US'),
    r.provingMs === null ? '-' : r.provingMs.toFixed(0),
    short(r.finalStateRoot),
    r.verified ? 'yes' : 'NO',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [title, line(head), rule, ...body.map(line)].join('\n')
}

function totalLine(totals: DemoSummary['totals']): string {
  return (
    `total: ${totals.proven}/${totals.batches} batches checked, ${totals.blocks} blocks, ${totals.transactions} txs, ` +
    `${(totals.gasUsed / 1e6).toFixed(3)} Mgas in ${(totals.wallMs / 1000).toFixed(2)} s wall (${totals.mgasPerSecond.toFixed(3)} Mgas/s)`
  )
}

/** What the exec backend did and did not do, said plainly after the tables. */
export const EXEC_BACKEND_NOTE = [
  'note: the exec backend re-executes each batch with the guest program and checks its public values against the',
  'blocks; it makes no zk proof. Real proofs: tessera prover --backend sp1|risc0 on a host with the zkVM libraries',
  '(a GPU for speed, --resource gpu), see docs/ethrex-provers.md; tessera doctor shows what this host has.',
].join('\n')

/** "4 batches (blocks 1-12, 40 txs)" for one chain's batches. */
function loadedLine(chain: 'L1' | 'L2', batches: BatchInfo[]): string {
  const txs = batches.reduce((n, b) => n + b.transactions, 0)
  const first = Math.min(...batches.map((b) => b.firstBlock))
  const last = Math.max(...batches.map((b) => b.lastBlock))
  return `${batches.length} ${chain} batch${batches.length === 1 ? '' : 'es'} (${chain} blocks ${first}-${last}, ${txs} txs)`
}

export async function run(argv: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        source: { type: 'string' },
        workers: { type: 'string' },
        keep: { type: 'boolean', default: false },
        json: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'warn' },
        l2: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }))
  } catch (e) {
    const hint = (e as { hint?: string }).hint
    console.error(`tessera demo: ${(e as Error).message}${hint ? `\nhint: ${hint}` : ''}\n\n${HELP}`)
    return 1
  }
  if (values.help) {
    console.log(HELP)
    return 0
  }
  let workers: number
  try {
    workers = positiveInt(values.workers, '--workers', 2)
  } catch (e) {
    console.error(`tessera demo: ${(e as Error).message}`)
    return 1
  }
  const source = resolve(values.source ?? bundledDevnet())
  const progress = (line: string) => {
    if (!values.quiet) process.stderr.write(`demo: ${line}\n`)
  }
  const level = values['log-level']

  const dir = await mkdtemp(join(tmpdir(), 'tessera-demo-'))
  let store: CoordinatorStore | undefined
  let verifyPool: ProveRunner | undefined
  let provePool: ProveRunner | undefined
  let coordinator: Coordinator | undefined
  let prover: Prover | undefined
  const abort = new AbortController()
  const onSignal = () => {
    progress('interrupted: finishing batches in flight, then stopping everything started')
    prover?.stop()
    abort.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    if (!(await stat(source).catch(() => undefined))?.isDirectory()) throw new DemoError(`--source ${source} is not a directory`)

    // Coordinator: batches from the directory into SQLite, Exec submissions checked by re-running the guest
    // in a worker (as `tessera coordinator` does).
    store = new CoordinatorStore(join(dir, 'coordinator.db'))
    let numbers: number[]
    try {
      numbers = await loadDirectory(source, store)
      if (values.l2) numbers.push(...(await loadDirectory(bundledL2Devnet(), store)))
    } catch (e) {
      throw new DemoError(`cannot load the batches in ${source}: ${(e as Error).message}`)
    }
    if (numbers.length === 0) throw new DemoError(`no batches in ${source} (expected ethrex-replay cache files or ProgramInput JSON files)`)
    const batches = numbers.map((n) => {
      const b = store!.batch(n)!
      return describeBatch(n, b.source, b.input)
    })
    const isL2 = new Set(batches.filter((b) => isEncodedL2Input(store!.batch(b.batch)!.input)).map((b) => b.batch))
    const l1Batches = batches.filter((b) => !isL2.has(b.batch))
    const l2Batches = batches.filter((b) => isL2.has(b.batch))
    // L1 and L2 block numbers overlap: key by chain and first block.
    const keyOf = (l2: boolean, firstBlock: number) => `${l2 ? 'l2' : 'l1'}:${firstBlock}`
    const byFirstBlock = new Map(batches.map((b) => [keyOf(isL2.has(b.batch), b.firstBlock), b.batch]))
    // Each chain's block range on its own: L1 blocks 1-12 and L2 blocks 1-6 are different blocks.
    if (l1Batches.length > 0) progress(`loaded ${loadedLine('L1', l1Batches)} from ${source}`)
    if (l2Batches.length > 0) progress(`loaded ${loadedLine('L2', l2Batches)} from ${bundledL2Devnet()}`)

    verifyPool = createProvePool(1)
    const execute = async (input: Uint8Array) => (await verifyPool!.run('exec', input)).publicValues
    const version = packageVersion()
    coordinator = new Coordinator({
      store,
      version,
      requiredTypes: [PROVER_TYPE],
      proverTimeoutMs: PROVER_TIMEOUT_MS,
      limits: DEFAULT_SERVER_LIMITS,
      logger: cliLogger('coordinator', level),
      derivePublicValues: execute,
    })
    const address = await coordinator.listen({ host: '127.0.0.1', port: 0 })
    progress(`coordinator listening on ${formatAddress(address)} (db in ${dir})`)

    // Prover: exec backend, `workers` batches at once, exits once the coordinator has nothing left.
    provePool = createProvePool(workers)
    const provingMs = new Map<number, number>()
    const proveCalls = new Map<number, number>()
    const prove = async (backend: string, input: Uint8Array): Promise<ProveResult> => {
      const batch = byFirstBlock.get(keyOf(isEncodedL2Input(input), rlpBlockNumber(storedBlocks(input)[0])))
      if (batch !== undefined) proveCalls.set(batch, (proveCalls.get(batch) ?? 0) + 1)
      const started = performance.now()
      const result = await provePool!.run(backend, input)
      const ms = performance.now() - started
      if (batch !== undefined) {
        provingMs.set(batch, ms)
        const b = batches.find((x) => x.batch === batch)!
        progress(`${isL2.has(batch) ? 'L2' : 'L1'} batch ${batch} (${isL2.has(batch) ? 'L2 ' : ''}blocks ${b.firstBlock}-${b.lastBlock}) executed and checked in ${ms.toFixed(0)} ms`)
      }
      return result
    }
    prover = new Prover({
      coordinators: [address],
      backend: 'exec',
      proverType: proverTypeOf('exec'),
      version,
      workers,
      pollIntervalMs: 100,
      prove,
      logger: cliLogger('prover', level),
      exitWhenIdle: true,
    })
    progress(`prover started: exec backend, ${workers} worker${workers === 1 ? '' : 's'}`)
    const started = performance.now()
    const summary: ProverSummary = await prover.run()
    const wallMs = performance.now() - started
    progress(`prover done: ${summary.proven} proven, ${summary.failed} failed`)

    // Verify: every batch proven exactly once, its public values end at its last block's state root.
    const errors: string[] = []
    if (summary.reason !== 'idle') errors.push(`the prover stopped before the work was done (${summary.reason})`)
    const proofRows = store.db.prepare('SELECT batch_number AS batch, COUNT(*) AS n FROM proofs WHERE prover_type = ? GROUP BY batch_number').all(PROVER_TYPE) as {
      batch: number
      n: number
    }[]
    const proofCount = new Map(proofRows.map((r) => [r.batch, r.n]))
    const rows: DemoBatchRow[] = batches.map((b) => {
      const proof = store!.proof(b.batch, PROVER_TYPE)
      let verified = false
      let finalStateRoot: string | null = null
      const calls = proveCalls.get(b.batch) ?? 0
      if (!proof) errors.push(`batch ${b.batch} (${b.source}) was not proven`)
      else if (proofCount.get(b.batch) !== 1 || calls !== 1) errors.push(`batch ${b.batch} was proven ${Math.max(calls, proofCount.get(b.batch) ?? 0)} times, expected once`)
      else {
        try {
          const out = publicValuesEnd(proof.publicValues)
          finalStateRoot = hex(out.finalStateRoot)
          if (!equal(out.finalStateRoot, b.lastStateRoot)) {
            errors.push(`batch ${b.batch}: the proof's final state root ${finalStateRoot} is not block ${b.lastBlock}'s state root ${hex(b.lastStateRoot)}`)
          } else if (!equal(out.lastBlockHash, b.lastBlockHash)) {
            errors.push(`batch ${b.batch}: the proof's last block hash ${hex(out.lastBlockHash)} is not block ${b.lastBlock}'s hash ${hex(b.lastBlockHash)}`)
          } else verified = true
        } catch (e) {
          errors.push(`batch ${b.batch}: the proof's public values do not decode (${(e as Error).message})`)
        }
      }
      return {
        batch: b.batch,
        source: b.source,
        firstBlock: b.firstBlock,
        lastBlock: b.lastBlock,
        blocks: b.blocks,
        transactions: b.transactions,
        gasUsed: Number(b.gasUsed),
        provingMs: provingMs.has(b.batch) ? Math.round(provingMs.get(b.batch)!) : null,
        finalStateRoot,
        publicValues: proof ? hex(proof.publicValues) : null,
        proofBytes: proof ? proof.proof.length : null,
        verified,
      }
    })
    const gasUsed = batches.reduce((n, b) => n + b.gasUsed, 0n)
    const totals: DemoSummary['totals'] = {
      batches: batches.length,
      proven: rows.filter((r) => r.publicValues !== null).length,
      blocks: batches.reduce((n, b) => n + b.blocks, 0),
      transactions: batches.reduce((n, b) => n + b.transactions, 0),
      gasUsed: Number(gasUsed),
      wallMs: Math.round(wallMs),
      mgasPerSecond: Number(mgasPerSecond(gasUsed, wallMs).toFixed(3)),
    }
    const ok = errors.length === 0
    const sections = [
      l1Batches.length > 0 && table(`L1 batches (Ethereum blocks, ${basename(source)}):`, rows.filter((r) => !isL2.has(r.batch))),
      l2Batches.length > 0 && table('L2 batches (ethrex L2 devnet, fixtures/l2; its own block numbers):', rows.filter((r) => isL2.has(r.batch))),
    ].filter(Boolean)
    process.stdout.write(`${sections.join('\n\n')}\n\n${totalLine(totals)}\n`)
    const writeJson = async (loop?: unknown) => {
      if (!values.json) return
      const out: DemoSummary = { source, workers, address: formatAddress(address), batches: rows, totals, verified: ok, errors, ...(loop === undefined ? {} : { loop }) }
      await writeFile(values.json, `${JSON.stringify(out, null, 2)}\n`)
    }
    if (!ok) {
      await writeJson()
      for (const e of errors) console.error(`tessera demo: ${e}`)
      console.error(`tessera demo: verification failed (${errors.length} problem${errors.length === 1 ? '' : 's'})`)
      return 1
    }
    process.stdout.write(`all ${batches.length} batches executed and verified (exec backend: no zk proof)\n${EXEC_BACKEND_NOTE}\n`)
    if (!values.l2) {
      await writeJson()
      return 0
    }
    // Free the batch part's coordinator and worker pools before the loop starts its own.
    await coordinator.close().catch(() => {})
    coordinator = undefined
    await Promise.allSettled([provePool.close(), verifyPool.close()])
    provePool = verifyPool = undefined
    const loop = await runDemoLoop({ progress, logger: cliLogger('loop', level), signal: abort.signal, keepDir: values.keep })
    if (loop.kind === 'skipped') {
      await writeJson({ skipped: loop.reason })
      process.stdout.write(`L1 <-> L2 loop skipped: ${loop.reason}\n`)
      return 0
    }
    if (loop.kind === 'failed') {
      await writeJson({ error: loop.error.message })
      console.error(`tessera demo: the L1 <-> L2 loop failed: ${loop.error.message}`)
      if (process.env.TESSERA_DEBUG) console.error(loop.error.stack)
      return 1
    }
    await writeJson(loopJson(loop.summary))
    process.stdout.write(`L1 <-> L2 loop done: deposits credited, ${loop.summary.lastVerifiedBatch} batches verified on L1, withdrawals claimed; ${loop.summary.negatives.length} negative cases reverted\n`)
    return 0
  } catch (e) {
    const err = e as Error
    console.error(`tessera demo: ${err instanceof DemoError ? err.message : (err?.message ?? String(e))}`)
    if (process.env.TESSERA_DEBUG && !(err instanceof DemoError)) console.error(err?.stack)
    return 1
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await coordinator?.close().catch(() => {})
    await Promise.allSettled([provePool?.close(), verifyPool?.close()])
    store?.close()
    if (values.keep) progress(`kept ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  }
}
