import { createBlockFromRPC, createBlockHeaderFromRPC, type Block, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { TesseraError } from '../../guest/errors.js'
import { toHex } from '../witness/hex.js'

/**
 * RPC block JSON (eth_getBlockByNumber with full transactions) -> ethereumjs Block / header -> RLP.
 * Every conversion is checked against the node's own `hash`, so a field we drop or mis-encode is caught here
 * rather than as a confusing failure in the guest.
 */

/** Block as eth_getBlockByNumber(n, true) serves it (only the fields Tessera reads are typed). */
export interface RpcBlock {
  hash: string
  number: string
  parentHash: string
  stateRoot: string
  miner: string
  timestamp: string
  gasUsed: string
  transactions: (RpcTransaction | string)[]
  uncles: string[]
  withdrawals?: unknown[]
  parentBeaconBlockRoot?: string
  [field: string]: unknown
}

export interface RpcTransaction {
  hash: string
  from: string
  to: string | null
  type?: string
  [field: string]: unknown
}

export class HeaderMismatch extends TesseraError {
  readonly blockNumber: bigint
  constructor(blockNumber: bigint, expected: string, actual: string) {
    super(
      `block ${blockNumber}: re-encoded header hashes to ${actual}, the node says ${expected}`,
      'the node serves a header field Tessera does not encode (or the chain config picks the wrong fork)',
    )
    this.blockNumber = blockNumber
  }
}

function checkHash(header: BlockHeader, expected: string): void {
  const actual = toHex(header.hash())
  if (actual !== expected.toLowerCase()) throw new HeaderMismatch(header.number, expected, actual)
}

/** EIP-2718 envelopes carry the type; some nodes omit fields ethereumjs wants filled. */
function normaliseTx(tx: RpcTransaction): RpcTransaction {
  const out: RpcTransaction = { ...tx }
  if (out.type === undefined) out.type = '0x0'
  // ethereumjs reads `gasLimit`/`data`; RPC uses `gas`/`input` (normalizeTxParams maps them).
  if (out.accessList === null) delete out.accessList
  return out
}

export function headerFromRpc(block: RpcBlock, common: Common): BlockHeader {
  const header = createBlockHeaderFromRPC(block as never, { common, setHardfork: true })
  checkHash(header, block.hash)
  return header
}

export function blockFromRpc(block: RpcBlock, common: Common, uncles: RpcBlock[] = []): Block {
  const txs = block.transactions.map((t) => {
    if (typeof t === 'string') throw new TesseraError(`block ${block.number}: transactions were fetched as hashes, need full objects`)
    return normaliseTx(t)
  })
  const b = createBlockFromRPC({ ...block, transactions: txs } as never, uncles as never[], { common, setHardfork: true })
  checkHash(b.header, block.hash)
  return b
}

export const headerRlpFromRpc = (block: RpcBlock, common: Common): Uint8Array => headerFromRpc(block, common).serialize()
export const blockRlpFromRpc = (block: RpcBlock, common: Common, uncles: RpcBlock[] = []): Uint8Array =>
  blockFromRpc(block, common, uncles).serialize()

/** ethrex-replay cache blocks are `{header, body: {transactions, uncles, withdrawals}}`; RPC JSON is flat. */
export function cacheBlockToRpc(b: { header: Record<string, unknown>; body: Record<string, unknown> }): RpcBlock {
  return { ...b.header, ...b.body, uncles: [] } as unknown as RpcBlock
}

export function rpcBlockToCache(b: RpcBlock): { header: Record<string, unknown>; body: Record<string, unknown> } {
  const { transactions, uncles, withdrawals, size, totalDifficulty, ...header } = b
  void size
  void totalDifficulty
  void uncles
  return { header, body: { transactions, uncles: [], withdrawals: withdrawals ?? null } }
}
