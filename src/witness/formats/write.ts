import { createBlockHeaderFromRLP } from '@ethereumjs/block'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { hostCommon } from '../cache.js'
import { executionWitnessToJson } from '../codec.js'
import { toHex } from '../hex.js'
import { blockToCacheBlock } from '../rpcJson.js'
import type { Json } from './json.js'
import type { ResolvedInput } from './resolve.js'

/** Output shapes of `tessera convert`: the current ethrex-replay cache, or the 2025 vintages on request. */
export type CacheShape = 'current' | 'sep-2025' | '2025'

const PUBLIC_NAMES: Record<string, string> = { mainnet: 'Mainnet', sepolia: 'Sepolia', holesky: 'Holesky', hoodi: 'Hoodi' }

function headerJson(raw: Uint8Array, r: ResolvedInput): Json {
  const header = createBlockHeaderFromRLP(raw, { common: hostCommon(r.chainConfig), setHardfork: true, skipConsensusFormatValidation: true })
  const asBlock = { header, transactions: [], uncleHeaders: [], withdrawals: undefined, hash: () => header.hash() }
  return blockToCacheBlock(asBlock as never).header as Json
}

/**
 * A resolved input as an ethrex-replay cache document. Lossless for the witness: every node, code, key and
 * header is written as given (JSON headers become the RLP they were checked to hash to). Tessera's own
 * `producer` field (ignored by ethrex's serde) keeps the producer's name so missing-node errors still name
 * its rule after conversion.
 */
export function toCacheDocument(r: ResolvedInput, shape: CacheShape = 'current'): Json {
  const blocks = r.blocks.map((b) => blockToCacheBlock(b))
  const w = executionWitnessToJson(r.program.witness)
  const publicName = r.chainConfig.publicNetwork === undefined ? undefined : PUBLIC_NAMES[r.chainConfig.publicNetwork] ?? r.chainConfig.publicNetwork
  const { publicNetwork: _drop, ...config } = r.chainConfig
  void _drop
  const producer = { producer: r.loaded.shape }
  if (shape === '2025') {
    const parentHash = toHex(r.blocks[0].header.parentHash)
    const headers = r.program.witness.headers
    const parent = headers.find((h) => toHex(keccak_256(h)) === parentHash)
    const blockHeaders: Json = {}
    for (const h of headers) {
      const j = headerJson(h, r)
      blockHeaders[String(BigInt(j.number as string))] = j
    }
    return {
      blocks,
      witness: {
        stateTrieNodes: w.state,
        storageTrieNodes: [],
        codes: r.program.witness.codes.map((c) => ({ [toHex(keccak_256(c))]: toHex(c) })),
        keys: w.keys,
        blockHeaders,
        parentBlockHeader: parent === undefined ? null : headerJson(parent, r),
        chainConfig: r.chainConfig.publicNetwork === undefined ? config : { chainId: r.chainConfig.chainId },
      },
      ...producer,
    }
  }
  if (shape === 'sep-2025') {
    return publicName !== undefined ? { blocks, witness: w, PublicNetwork: publicName, ...producer } : { blocks, witness: w, ...config, ...producer }
  }
  if (publicName !== undefined) return { blocks, witness: w, network: { PublicNetwork: publicName }, ...producer }
  // Custom chains: ethrex-replay writes "LocalDevnet" with the chain config flattened into the file.
  return { blocks, witness: w, network: 'LocalDevnet', ...config, ...producer }
}

export function cacheName(r: ResolvedInput): string {
  const first = r.blocks[0].header.number
  const last = r.blocks[r.blocks.length - 1].header.number
  const net = r.chainConfig.publicNetwork ?? 'local-devnet'
  return `cache_${net}_${first}${first === last ? '' : `-${last}`}.json`
}

/** Write atomically (temp file + rename). Returns the path written. */
export async function writeCacheDocument(dir: string, r: ResolvedInput, opts: { shape?: CacheShape; gzip?: boolean; name?: string } = {}): Promise<string> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, (opts.name ?? cacheName(r)) + (opts.gzip ? '.gz' : ''))
  const text = JSON.stringify(toCacheDocument(r, opts.shape))
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, opts.gzip ? gzipSync(text) : text)
  await rename(tmp, path)
  return path
}
