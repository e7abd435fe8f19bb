import type { Stats } from 'node:fs'
import { lstat, readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { RLP } from '@ethereumjs/rlp'
import { TesseraError, WitnessIncomplete } from '../../guest/errors.js'
import { encodeProgramInput } from '../witness/programInput.js'
import type { ProgramInput } from '../../guest/types.js'
import { encodeL2ProgramInput } from '../../guest/l2/input.js'
import type { L2ProgramInput } from '../../guest/l2/types.js'
import { l2CacheFileToInput, readL2BatchCacheJson } from '../l2/cache.js'
import { shortText } from '../errors/shortText.js'
import { programInputFromJson } from '../protocol/input.js'
import type { CoordinatorStore, StoredBatch } from './store.js'

/**
 * Where batches come from. A directory: each file is one batch, either an ethrex-replay cache file
 * (`{blocks, witness, network}`) or a ProgramInput in wire form (`{blocks, witness, chainConfig}`), `.json` or
 * `.json.gz`. Files are numbered in order of their first block (1-based); files added later are appended
 * after the stored batches, so batch numbers never change once given.
 */

export class SourceError extends TesseraError {}

/** Block number of an RLP block (header field 8). */
export function rlpBlockNumber(block: Uint8Array): number {
  const decoded = RLP.decode(block) as unknown
  const header = Array.isArray(decoded) ? decoded[0] : undefined
  const number = Array.isArray(header) ? header[8] : undefined
  if (!(number instanceof Uint8Array)) throw new SourceError('not an RLP block (no header number)')
  let n = 0
  for (const b of number) n = n * 256 + b
  if (!Number.isSafeInteger(n)) throw new SourceError('block number out of range')
  return n
}

type CacheModule = {
  readCacheFile(path: string): Promise<unknown>
  cacheFileToProgramInput(cache: unknown): ProgramInput
}
// Non-literal: src/witness/cache.ts is another engineer's, possibly not there yet.
const CACHE_MODULE = '../witness/cache.js'

async function loadCacheModule(): Promise<CacheModule> {
  try {
    const m = (await import(CACHE_MODULE)) as Partial<CacheModule>
    if (typeof m.readCacheFile === 'function' && typeof m.cacheFileToProgramInput === 'function') return m as CacheModule
  } catch {
    // fall through
  }
  throw new SourceError('reading ethrex-replay cache files needs src/witness/cache.ts, which this build lacks')
}

export async function readBatchFile(path: string): Promise<ProgramInput> {
  let raw: Buffer
  try {
    raw = await readFile(path)
    if (path.endsWith('.gz')) raw = gunzipSync(raw)
  } catch (e) {
    throw new SourceError(`${path}: cannot read (${shortText((e as Error).message, 200)})`)
  }
  let json: Record<string, unknown>
  try {
    json = JSON.parse(raw.toString('utf8'))
  } catch (e) {
    throw new SourceError(`${path}: not JSON (${shortText((e as Error).message, 200)})`)
  }
  if (json && typeof json === 'object' && 'chainConfig' in json) {
    try {
      return programInputFromJson(json, path)
    } catch (e) {
      throw new SourceError(`${path}: ${(e as Error).message}`)
    }
  }
  const cache = await loadCacheModule()
  try {
    return cache.cacheFileToProgramInput(await cache.readCacheFile(path))
  } catch (e) {
    throw new SourceError(`${path}: ${(e as Error).message}`)
  }
}

export function batchOf(source: string, input: ProgramInput | L2ProgramInput): Omit<StoredBatch, 'batchNumber'> {
  return {
    source,
    firstBlock: rlpBlockNumber(input.blocks[0]),
    lastBlock: rlpBlockNumber(input.blocks[input.blocks.length - 1]),
    input: 'blobCommitment' in input ? encodeL2ProgramInput(input) : encodeProgramInput(input),
  }
}

/** An ethrex L2 batch cache file (cache_batch_<n>.json, src/l2/cache.ts), or undefined for anything else. */
async function readL2BatchFile(path: string): Promise<L2ProgramInput | undefined> {
  if (!/cache_batch_\d+\.json(\.gz)?$/.test(path)) return undefined
  try {
    return l2CacheFileToInput(await readL2BatchCacheJson(path), path)
  } catch (e) {
    throw new SourceError(`${path}: ${(e as Error).message}`)
  }
}

/** A file of the source directory turned into a batch row (parsing, validation and encoding done). */
export type ParsedBatchFile = Omit<StoredBatch, 'batchNumber' | 'source'>

/** Read, validate and encode one batch file; any failure is a SourceError naming the file. */
export async function parseBatchFile(path: string): Promise<ParsedBatchFile> {
  try {
    const { firstBlock, lastBlock, input } = batchOf(path, (await readL2BatchFile(path)) ?? (await readBatchFile(path)))
    return { firstBlock, lastBlock, input }
  } catch (e) {
    if (e instanceof SourceError) throw e
    throw new SourceError(`${path}: ${shortText(String((e as Error)?.message ?? e), 300)}`)
  }
}

/**
 * Files of the source directory that failed, with the size and mtime seen: a file is parsed again only once
 * it changed (a copy still being written fails, then succeeds when complete). `list()` is what --check and
 * the metric report.
 */
export class SkippedFiles {
  private readonly files = new Map<string, { size: number; mtimeMs: number; error: string }>()
  isUnchanged(name: string, size: number, mtimeMs: number): boolean {
    const f = this.files.get(name)
    return f !== undefined && f.size === size && f.mtimeMs === mtimeMs
  }
  add(name: string, size: number, mtimeMs: number, error: string): void {
    this.files.set(name, { size, mtimeMs, error })
  }
  delete(name: string): void {
    this.files.delete(name)
  }
  get size(): number {
    return this.files.size
  }
  list(): { name: string; error: string }[] {
    return [...this.files].map(([name, f]) => ({ name, error: f.error }))
  }
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory'
  if (st.isFIFO()) return 'a FIFO'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  if (st.isSocket()) return 'a socket'
  return 'not a regular file'
}

export interface LoadDirectoryOptions {
  /** Parses one file, by default here; the coordinator passes a worker-thread parser (big files). */
  parse?: (path: string) => Promise<ParsedBatchFile>
  /** Remembered failures across polls; a fresh one per call if absent. */
  skipped?: SkippedFiles
  /** Told about each file skipped (newly failed or changed and failed again). */
  onSkip?: (name: string, error: string) => void
}

/**
 * Add every not-yet-stored file of `dir` as a batch. A file that cannot be read or is not a valid batch is
 * skipped, named and remembered (parsed again only once it changes); the rest are served. Returns the new
 * batch numbers.
 */
export async function loadDirectory(dir: string, store: CoordinatorStore, opts: LoadDirectoryOptions = {}): Promise<number[]> {
  const parse = opts.parse ?? parseBatchFile
  const skipped = opts.skipped ?? new SkippedFiles()
  const names = (await readdir(dir)).filter((n) => /\.json(\.gz)?$/.test(n)).sort()
  const fresh: Omit<StoredBatch, 'batchNumber'>[] = []
  for (const name of names) {
    if (store.hasSource(name)) continue
    const path = join(dir, name)
    const st = await stat(path).catch((e: Error) => e)
    if (st instanceof Error || !st.isFile()) {
      // A FIFO, device, directory or dangling/looping link named *.json is never opened (a read could block
      // forever), but it is named and counted like any other file that cannot be used.
      const seen = st instanceof Error ? await lstat(path).catch(() => undefined) : st
      if (skipped.isUnchanged(name, seen?.size ?? 0, seen?.mtimeMs ?? 0)) continue
      const error = st instanceof Error ? `${path}: cannot stat: ${shortText(st.message, 200)}` : `${path}: ${fileKind(st)}, not a regular file`
      skipped.add(name, seen?.size ?? 0, seen?.mtimeMs ?? 0, error)
      opts.onSkip?.(name, error)
      continue
    }
    if (skipped.isUnchanged(name, st.size, st.mtimeMs)) continue
    try {
      fresh.push({ source: name, ...(await parse(path)) })
      skipped.delete(name)
    } catch (e) {
      const error = shortText(String((e as Error)?.message ?? e), 500)
      skipped.add(name, st.size, st.mtimeMs, error)
      opts.onSkip?.(name, error)
    }
  }
  fresh.sort((a, b) => a.firstBlock - b.firstBlock || a.source.localeCompare(b.source))
  return store.addBatches(fresh)
}

export interface RpcSourceOptions {
  rpcUrl: string
  fromBlock: number
  toBlock?: number
  batchSize: number
}

/**
 * RPC source: batches of `batchSize` consecutive blocks from `fromBlock` (up to `toBlock` or the node's head),
 * witnesses built by src/rpc as in `tessera replay` (debug_executionWitness, else eth_getProof). Returns a
 * loader that appends the batches that became available since the last call.
 */
export async function rpcBatchLoader(
  opts: RpcSourceOptions,
  store: CoordinatorStore,
  /** Runs the guest on binary ProgramInput (exec backend in a worker); throws the guest's typed errors. */
  execute: (input: Uint8Array) => Promise<Uint8Array>,
): Promise<() => Promise<number[]>> {
  const [{ createRpc }, { nodeInfo, inferChainConfig, edrWarning }, { loadRpcBatch, batchProgramInput }, { fetchBlock }] = await Promise.all([
    import('../rpc/client.js'),
    import('../rpc/chain.js'),
    import('../rpc/blocks.js'),
    import('../rpc/witness.js'),
  ])
  const rpc = createRpc({ url: opts.rpcUrl })
  const info = await nodeInfo(rpc)
  let warned = false
  return async () => {
    const head = Number(BigInt((await fetchBlock(rpc, 'latest', false)).number))
    const latest = Math.min(head, opts.toBlock ?? Infinity)
    const added: number[] = []
    let next = Math.max(opts.fromBlock, (store.lastBlock() ?? opts.fromBlock - 1) + 1)
    while (next + opts.batchSize - 1 <= latest) {
      const to = next + opts.batchSize - 1
      const numbers = Array.from({ length: opts.batchSize }, (_, i) => BigInt(next + i))
      const first = await fetchBlock(rpc, numbers[0], true)
      const warning = edrWarning(info, first)
      if (warning && !warned) {
        warned = true
        process.stderr.write(`${warning}\n`)
      }
      const batch = await loadRpcBatch(rpc, numbers, inferChainConfig(info.chainId, first))
      // An eth_getProof witness can miss nodes (deletions); run the guest now and extend the witness until it
      // is complete, so provers only get batches they can prove. The run also yields the expected public values.
      let publicValues: Uint8Array
      for (let attempt = 0; ; attempt++) {
        try {
          publicValues = await execute(encodeProgramInput(batchProgramInput(batch)))
          break
        } catch (e) {
          if (e instanceof WitnessIncomplete && attempt < 8 && (await batch.witness.extend(e))) continue
          throw new SourceError(`blocks ${next}-${to}: ${(e as Error).message}`)
        }
      }
      const [n] = store.addBatches([batchOf(`rpc:${next}-${to}`, batchProgramInput(batch))])
      store.setExpectedPublicValues(n, publicValues)
      added.push(n)
      next = to + 1
    }
    return added
  }
}
