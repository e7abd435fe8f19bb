import { writeFile, rename, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createBlockFromRPC, createBlockHeaderFromRPC } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { commonFromChainConfig, publicNetworkChainId } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { WitnessInvalid } from '../../guest/errors.js'
import type { ChainConfig, ProgramInput } from '../../guest/types.js'
import { parseExecutionWitness, type ExecutionWitnessJson } from './codec.js'
import { gunzipBounded, readRegularFile } from './inputFile.js'

/** A block as ethrex-replay stores it: RPC-style header fields and a body. */
export interface CacheBlock {
  header: Record<string, unknown>
  body: { transactions: Record<string, unknown>[]; uncles?: Record<string, unknown>[]; withdrawals?: Record<string, unknown>[] }
}

export type CacheNetwork = { PublicNetwork: string } | ChainConfig | { config: ChainConfig }

/** ethrex-replay cache file, read and written as is so files move between the two tools. */
export interface CacheFile {
  blocks: CacheBlock[]
  witness: ExecutionWitnessJson
  network: CacheNetwork
}

export class CacheFormatError extends WitnessInvalid {}

/** Chain config of a cache file's `network` field: a public network name or an inline (geth genesis) config. */
export function chainConfigOfNetwork(network: unknown): ChainConfig {
  if (typeof network === 'object' && network !== null) {
    const n = network as Record<string, unknown>
    if (typeof n.PublicNetwork === 'string') {
      const name = n.PublicNetwork.toLowerCase()
      const chainId = publicNetworkChainId(name)
      if (chainId === undefined) throw new CacheFormatError('network.PublicNetwork', `unknown public network "${n.PublicNetwork}"`)
      return { chainId, publicNetwork: name }
    }
    if (typeof n.config === 'object' && n.config !== null) return chainConfigOfNetwork(n.config)
    if (n.chainId !== undefined) return network as ChainConfig
  }
  throw new CacheFormatError('network', 'expected {"PublicNetwork": name} or a chain config with chainId')
}

export function networkName(network: CacheNetwork): string {
  const config = chainConfigOfNetwork(network)
  return config.publicNetwork ?? `chain${config.chainId}`
}

/** Read a cache file (plain or .gz) and check its shape; the witness is fully validated when converted. */
export async function readCacheFile(path: string): Promise<CacheFile> {
  let bytes = await readRegularFile(path)
  if (path.endsWith('.gz')) bytes = gunzipBounded(bytes, path)
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8'))
  } catch (e) {
    throw new CacheFormatError(path, `not valid JSON (${(e as Error).message})`)
  }
  try {
    return checkCacheFile(json, path)
  } catch (e) {
    // Other producers' shapes and older ethrex vintages (the coordinator's --source dir reads through here).
    const other = await fromOtherShape(json, path)
    if (other === undefined) throw e
    return other
  }
}

/**
 * A file in any shape src/witness/formats reads that holds exactly one runnable input with its own anchor,
 * as a current cache file. Undefined when it is not one (the caller reports its own error).
 */
async function fromOtherShape(json: unknown, path: string): Promise<CacheFile | undefined> {
  const { classifyJson } = await import('./formats/read.js')
  const { resolveInput } = await import('./formats/resolve.js')
  const { toCacheDocument } = await import('./formats/write.js')
  let parts
  try {
    parts = await classifyJson(json, path)
  } catch {
    return undefined
  }
  const inputs = parts.flatMap((p) => (p.kind === 'input' ? p.inputs : []))
  if (parts.length !== 1 || inputs.length !== 1) return undefined
  const resolved = await resolveInput(inputs[0])
  const doc = toCacheDocument(resolved) as unknown as CacheFile & Record<string, unknown>
  const { chainConfig } = resolved
  return {
    blocks: doc.blocks,
    witness: doc.witness,
    network: chainConfig.publicNetwork !== undefined ? (doc.network as CacheNetwork) : { config: chainConfig },
  }
}

export function checkCacheFile(json: unknown, where = 'cache'): CacheFile {
  const c = json as Partial<CacheFile>
  if (typeof c !== 'object' || c === null) throw new CacheFormatError(where, 'expected an object with blocks, witness, network')
  if (!Array.isArray(c.blocks) || c.blocks.length === 0) throw new CacheFormatError(`${where}: blocks`, 'expected a non-empty array')
  c.blocks.forEach((b, i) => {
    if (typeof b?.header !== 'object' || b.header === null) throw new CacheFormatError(`${where}: blocks[${i}].header`, 'missing')
    if (typeof b.body !== 'object' || b.body === null || !Array.isArray(b.body.transactions)) {
      throw new CacheFormatError(`${where}: blocks[${i}].body.transactions`, 'missing')
    }
  })
  if (typeof c.witness !== 'object' || c.witness === null) throw new CacheFormatError(`${where}: witness`, 'missing')
  chainConfigOfNetwork(c.network)
  return c as CacheFile
}

/** RPC-style block JSON -> RLP, checking the result hashes to the JSON's `hash` when it has one. */
export function encodeCacheBlock(block: CacheBlock, common: Common, index: number): Uint8Array {
  let b
  try {
    b = createBlockFromRPC(
      { ...block.header, transactions: block.body.transactions, withdrawals: block.body.withdrawals } as never,
      (block.body.uncles ?? []) as never[],
      { common, setHardfork: true },
    )
  } catch (e) {
    throw new CacheFormatError(`blocks[${index}]`, `cannot build block: ${(e as Error).message}`)
  }
  const claimed = block.header.hash
  if (typeof claimed === 'string' && claimed.toLowerCase() !== `0x${Buffer.from(b.hash()).toString('hex')}`) {
    throw new CacheFormatError(`blocks[${index}].header.hash`, `fields hash to 0x${Buffer.from(b.hash()).toString('hex')}, not ${claimed}`)
  }
  return b.serialize()
}

/** Common for host-side decoding of a chain's blocks (includes KZG for blob transactions). */
export function hostCommon(chainConfig: ChainConfig): Common {
  return commonFromChainConfig(chainConfig, guestCrypto())
}

export function cacheFileToProgramInput(cache: CacheFile): ProgramInput {
  const chainConfig = chainConfigOfNetwork(cache.network)
  const common = hostCommon(chainConfig)
  const blocks = cache.blocks.map((b, i) => encodeCacheBlock(b, common, i))
  const witness = parseExecutionWitness(cache.witness, (h, field) => {
    try {
      return createBlockHeaderFromRPC(h as never, { common, setHardfork: true }).serialize()
    } catch (e) {
      throw new WitnessInvalid(field, `cannot encode JSON header: ${(e as Error).message}`)
    }
  })
  return { blocks, witness, chainConfig }
}

/** ethrex-replay's name: cache_<network>_<first>[-<last>].json */
export function cacheFileName(cache: CacheFile, gzip = false): string {
  const num = (b: CacheBlock) => BigInt(b.header.number as string).toString()
  const first = num(cache.blocks[0])
  const last = num(cache.blocks[cache.blocks.length - 1])
  return `cache_${networkName(cache.network)}_${first}${first === last ? '' : `-${last}`}.json${gzip ? '.gz' : ''}`
}

/** Write atomically (temp file + rename) so an interrupted write never leaves a truncated cache. */
export async function writeCacheFile(dir: string, cache: CacheFile, opts: { gzip?: boolean } = {}): Promise<string> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, cacheFileName(cache, opts.gzip))
  const text = JSON.stringify(cache)
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, opts.gzip ? gzipSync(text) : text)
  await rename(tmp, path)
  return path
}
