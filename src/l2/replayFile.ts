import { encodeL2ProgramInput } from '../../guest/l2/input.js'
import type { ExecutePool } from '../pool/execute.js'
import { witnessSize } from '../witness/codec.js'
import { toHex } from '../witness/hex.js'
import { isL2BatchCache, l2CacheFileToInput, readL2BatchCacheJson } from './cache.js'

export interface L2FileRun {
  first: bigint
  last: bigint
  transactions: number
  privileged: number
  l1Messages: number
  gasUsed: bigint
  executeMs: number
  witnessBytes: number
  publicValues: string
}

/** Peek at a cache file: undefined when it is not an L2 batch cache (then it is replayed as L1). */
export async function readIfL2BatchCache(path: string): Promise<unknown | undefined> {
  if (!/\.json(\.gz)?$/.test(path)) return undefined
  let json: unknown
  try {
    json = await readL2BatchCacheJson(path)
  } catch {
    return undefined // the L1 reader reports unreadable files with its own errors
  }
  return isL2BatchCache(json) ? json : undefined
}

/** Run the ethrex L2 guest on an L2 batch cache file in the execute pool. */
export async function runL2BatchFile(pool: ExecutePool, path: string, json: unknown): Promise<L2FileRun> {
  const input = l2CacheFileToInput(json, path)
  const blocks = (json as { blocks: { header: { number: string } }[] }).blocks
  const witnessBytes = witnessSize(input.witness).bytes
  const r = await pool.runL2(encodeL2ProgramInput(input), path)
  return {
    first: BigInt(blocks[0].header.number),
    last: BigInt(blocks[blocks.length - 1].header.number),
    transactions: r.transactions,
    privileged: r.privileged,
    l1Messages: r.l1Messages,
    gasUsed: r.gasUsed,
    executeMs: r.ms,
    witnessBytes,
    publicValues: toHex(r.publicValues),
  }
}
