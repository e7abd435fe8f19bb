/**
 * ethrex-replay's cache habits for `tessera replay`: RPC replays keep each block's cache file in a cache dir
 * (`--cache-level on|failed|off`), and `--cached --network NAME` replays blocks by number from those files.
 * File names are ethrex-replay's: cache_<network>_<first>[-<last>].json (lambdaclass/ethrex-replay
 * @4561304 src/cache.rs `get_block_cache_file_name`); `.json.gz` is read too.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { TesseraError } from '../../guest/errors.js'
import type { ChainConfig } from '../../guest/types.js'
import type { RpcBatch } from '../rpc/blocks.js'
import { rpcBlockToCache } from '../rpc/header.js'
import type { CacheFile, CacheNetwork } from '../witness/cache.js'
import { executionWitnessToJson } from '../witness/codec.js'

/** ethrex-replay's default cache directory. */
export const DEFAULT_CACHE_DIR = './replay_cache'

export class CachedBlocksMissing extends TesseraError {}

const PUBLIC_NAMES: Record<string, string> = { mainnet: 'Mainnet', sepolia: 'Sepolia', holesky: 'Holesky', hoodi: 'Hoodi' }

function networkOf(config: ChainConfig): CacheNetwork {
  const name = config.publicNetwork?.toLowerCase()
  return name ? { PublicNetwork: PUBLIC_NAMES[name] ?? name } : config
}

/** The cache file of blocks fetched from a node (the witness in its final, possibly extended, form). */
export function rpcBatchToCacheFile(batch: RpcBatch, config: ChainConfig): CacheFile {
  return {
    blocks: batch.blocks.map((b) => rpcBlockToCache(b)) as CacheFile['blocks'],
    witness: executionWitnessToJson(batch.witness.witness),
    network: networkOf(config),
  }
}

export interface CachedFile {
  path: string
  first: bigint
  last: bigint
}

/** The name part of a network as files carry it: mainnet, hoodi, … or chain<id> for other chains (a number is a chain id). */
export function cacheNetworkName(network: string): string {
  return /^\d+$/.test(network) ? `chain${network}` : network.toLowerCase()
}

/** Every cache file of `network` in `dir`, by first block. */
export function listCachedFiles(dir: string, network: string): CachedFile[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (e) {
    throw new CachedBlocksMissing(`cannot read the cache dir ${dir}: ${(e as Error).message}`, "give it with --cache-dir (default ./replay_cache); 'tessera cache blocks' or 'replay --cache-level on' fill it")
  }
  const prefix = `cache_${cacheNetworkName(network)}_`
  const out: CachedFile[] = []
  for (const name of names) {
    if (!name.toLowerCase().startsWith(prefix)) continue
    const m = /^(\d+)(?:-(\d+))?\.json(?:\.gz)?$/.exec(name.slice(prefix.length))
    if (!m) continue
    out.push({ path: join(dir, name), first: BigInt(m[1]), last: BigInt(m[2] ?? m[1]) })
  }
  return out.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
}

/**
 * The files holding `numbers` (all files when undefined). Every number must be in some file; a file holding
 * blocks not asked for runs whole (its blocks share one witness), which the caller reports.
 */
export function cachedFilesFor(dir: string, network: string, numbers: bigint[] | undefined): { files: CachedFile[]; extra: bigint } {
  const all = listCachedFiles(dir, network)
  if (all.length === 0) throw new CachedBlocksMissing(`no cache_${cacheNetworkName(network)}_*.json files in ${dir}`, '--network must be the name in the file names (mainnet, hoodi, …, or the chain id)')
  if (numbers === undefined) return { files: all, extra: 0n }
  const chosen = new Set<CachedFile>()
  const missing: bigint[] = []
  for (const n of numbers) {
    const f = all.find((x) => x.first <= n && n <= x.last)
    if (f === undefined) missing.push(n)
    else chosen.add(f)
  }
  if (missing.length > 0) {
    throw new CachedBlocksMissing(`block ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''} is in no cache_${cacheNetworkName(network)}_*.json file in ${dir}`, 'fetch it first: tessera cache blocks --blocks … --rpc-url URL --cache-dir DIR')
  }
  const files = [...chosen]
  const held = files.reduce((s, f) => s + (f.last - f.first + 1n), 0n)
  return { files, extra: held - BigInt(numbers.length) }
}
