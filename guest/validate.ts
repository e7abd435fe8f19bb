import type { Block, BlockHeader } from '@ethereumjs/block'
import { Hardfork } from '@ethereumjs/common'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { BlockInvalid, isGuestError } from './errors.js'
import type { AncestorChain } from './headers.js'

const MAX_GAS_LIMIT = 0x7fffffffffffffffn

function fail(header: BlockHeader, check: string, expected: unknown, actual: unknown): never {
  throw new BlockInvalid(header.number, check, { expected: String(expected), actual: String(actual) })
}

/** Run an ethereumjs check, reporting its failure as BlockInvalid under our check name. */
export async function ethCheck<T>(header: BlockHeader, check: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (isGuestError(e)) throw e
    throw new BlockInvalid(header.number, check, { reason: (e as Error).message })
  }
}

/**
 * Header rules against the parent, as a full node applies them (ethereumjs Blockchain.validateHeader, which
 * runBlock would otherwise ask a database-backed blockchain for). `height` is set for uncle headers.
 */
export async function validateHeaderAgainstParent(header: BlockHeader, parent: BlockHeader, height?: bigint): Promise<void> {
  if (header.gasLimit > MAX_GAS_LIMIT) fail(header, 'gas limit <= 2^63-1', MAX_GAS_LIMIT, header.gasLimit)
  if (!equalsBytes(header.parentHash, parent.hash())) fail(header, 'parent hash', bytesToHex(parent.hash()), bytesToHex(header.parentHash))
  if (header.number !== parent.number + 1n) fail(header, 'number', parent.number + 1n, header.number)
  if (header.timestamp <= parent.timestamp) fail(header, 'timestamp > parent timestamp', `> ${parent.timestamp}`, header.timestamp)
  const common = header.common
  if (common.consensusType() !== 'pos') {
    const expected = header.ethashCanonicalDifficulty(parent)
    if (header.difficulty !== expected) fail(header, 'difficulty', expected, header.difficulty)
  }
  await ethCheck(header, 'gas limit bounds', () => header.validateGasLimit(parent))
  if (height !== undefined) {
    const distance = height - parent.number
    if (!(distance < 8n && distance > 1n)) {
      throw new BlockInvalid(header.number, 'uncle depth', { reason: `uncle's parent is ${distance} blocks below the including block (allowed 2..7)` })
    }
  }
  if (common.isActivatedEIP(1559)) {
    const londonBlock = common.hardforkBlock(Hardfork.London)
    const expected = header.number === londonBlock ? common.param('initialBaseFee') : parent.calcNextBaseFee()
    if (header.baseFeePerGas !== expected) fail(header, 'base fee', expected, header.baseFeePerGas)
  }
  if (common.isActivatedEIP(4844)) {
    const expected = parent.calcNextExcessBlobGas(common)
    if (header.excessBlobGas !== expected) fail(header, 'excess blob gas', expected, header.excessBlobGas)
  }
  if (common.isActivatedEIP(7685) && header.requestsHash === undefined) {
    fail(header, 'requests hash present', 'a requests hash', 'none')
  }
}

/**
 * Uncle rules (pre-Merge): each uncle is a valid header whose parent is one of the last 7 ancestors, is not
 * itself an ancestor, and was not included before. Needs the ancestors' own uncle lists.
 */
export async function validateUncles(block: Block, chain: AncestorChain): Promise<void> {
  const uncles = block.uncleHeaders
  if (uncles.length === 0) return
  await ethCheck(block.header, 'uncles', () => block.validateUncles())
  let lowest = block.header.number
  for (const u of uncles) if (u.number < lowest) lowest = u.number
  const ancestors = new Map<string, BlockHeader>()
  const included = new Set<string>()
  const generations = block.header.number - lowest + 1n
  for (let n = block.header.number - 1n; n >= 0n && n >= block.header.number - generations; n--) {
    const h = chain.header(n, `ancestor for uncle check of block ${block.header.number}`)
    ancestors.set(bytesToHex(h.hash()), h)
    for (const u of chain.uncleHashes(h)) included.add(bytesToHex(u))
  }
  for (const uncle of uncles) {
    const hash = bytesToHex(uncle.hash())
    const parent = ancestors.get(bytesToHex(uncle.parentHash))
    if (parent === undefined) {
      throw new BlockInvalid(block.header.number, 'uncle parent', { reason: `uncle ${hash} has a parent that is not a recent ancestor` })
    }
    if (included.has(hash)) throw new BlockInvalid(block.header.number, 'uncle', { reason: `uncle ${hash} already included` })
    if (ancestors.has(hash)) throw new BlockInvalid(block.header.number, 'uncle', { reason: `uncle ${hash} is an ancestor` })
    try {
      await validateHeaderAgainstParent(uncle, parent, block.header.number)
    } catch (e) {
      if (e instanceof BlockInvalid) {
        throw new BlockInvalid(block.header.number, `uncle ${e.check}`, { expected: e.expected, actual: e.actual, reason: e.expected === undefined ? e.message : undefined })
      }
      throw e
    }
  }
}
