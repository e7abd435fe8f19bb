import { Block, createBlockHeaderFromBytesArray, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { createTxFromBlockBodyData, type TypedTransaction } from '@ethereumjs/tx'
import { equalsBytes } from '@ethereumjs/util'
import { BlockInvalid } from '../errors.js'
import { PRIVILEGED_TX_TYPE } from './constants.js'
import { PrivilegedTransaction } from './privilegedTx.js'

export type L2Transaction = TypedTransaction | PrivilegedTransaction

/**
 * An ethrex L2 block. ethereumjs's Block carries the header and (for ordinary transactions) the behaviour;
 * `transactions` may also hold PrivilegedTransaction objects, so only L2 code (guest/l2/execution.ts)
 * runs these blocks, never ethereumjs runBlock.
 */
export type L2Block = Block

export class L2BlockDecodeError extends BlockInvalid {}

/**
 * Decode one block as ethrex encodes it (crates/common/types/block.rs): RLP [header, transactions, ommers]
 * with an optional 4th withdrawals list; ethrex L2 blocks have none. Transactions: legacy as a list,
 * typed as a byte string `type ‖ payload`, 0x7e = privileged. The encoding must be canonical:
 * re-encoding has to give the same bytes, since the blob commitment is over the encoding.
 */
export function decodeL2Block(value: unknown, common: Common, where: string): L2Block {
  if (!Array.isArray(value) || value.length < 3 || value.length > 4) {
    throw new L2BlockDecodeError(undefined, `${where}: block`, { reason: 'expected an RLP list [header, transactions, ommers(, withdrawals)]' })
  }
  const [headerValues, txValues, uncleValues, withdrawals] = value as unknown[]
  let header: BlockHeader
  try {
    header = createBlockHeaderFromBytesArray(headerValues as Uint8Array[], { common, setHardfork: true, skipConsensusFormatValidation: true })
  } catch (e) {
    throw new L2BlockDecodeError(undefined, `${where}: header`, { reason: (e as Error).message })
  }
  const n = header.number
  if (!Array.isArray(txValues)) throw new L2BlockDecodeError(n, `${where}: transactions`, { reason: 'expected a list' })
  if (!Array.isArray(uncleValues) || uncleValues.length !== 0) throw new L2BlockDecodeError(n, `${where}: ommers`, { reason: 'an L2 block has no ommers' })
  if (withdrawals !== undefined && (!Array.isArray(withdrawals) || withdrawals.length !== 0)) {
    throw new L2BlockDecodeError(n, `${where}: withdrawals`, { reason: 'an L2 block has no withdrawals' })
  }
  const txs = txValues.map((raw: unknown, i: number): L2Transaction => {
    try {
      if (raw instanceof Uint8Array && raw[0] === PRIVILEGED_TX_TYPE) return PrivilegedTransaction.fromSerialized(raw, `${where}: transactions[${i}]`)
      return createTxFromBlockBodyData(raw as Uint8Array, { common })
    } catch (e) {
      throw new L2BlockDecodeError(n, `${where}: transactions[${i}]`, { reason: (e as Error).message })
    }
  })
  const block = new Block(header, txs as TypedTransaction[], [], undefined, { common })
  if (!equalsBytes(RLP.encode(blockRaw(block) as never), RLP.encode(value as never))) {
    throw new L2BlockDecodeError(n, `${where}: encoding`, { reason: 'not the canonical encoding of its contents' })
  }
  return block
}

/** RLP items of an L2 block as ethrex encodes it: no withdrawals list. */
export function blockRaw(block: L2Block): unknown[] {
  const txs = (block.transactions as L2Transaction[]).map((tx) => (tx.type === 0 ? (tx as TypedTransaction).raw() : tx.serialize()))
  return [block.header.raw(), txs, []]
}

export function encodeL2Block(block: L2Block): Uint8Array {
  return RLP.encode(blockRaw(block) as never)
}

/** Decode `count` consecutive RLP blocks from `bytes`, returning them and the rest. */
export function decodeL2Blocks(bytes: Uint8Array, count: number, common: Common, where: string): { blocks: L2Block[]; rest: Uint8Array } {
  const blocks: L2Block[] = []
  let rest = bytes
  for (let i = 0; i < count; i++) {
    let decoded: { data: unknown; remainder: Uint8Array }
    try {
      decoded = RLP.decode(rest, true) as never
    } catch (e) {
      throw new L2BlockDecodeError(undefined, `${where}: block ${i + 1} of ${count}`, { reason: `truncated or bad RLP (${(e as Error).message})` })
    }
    blocks.push(decodeL2Block(decoded.data, common, `${where}: block ${i + 1} of ${count}`))
    rest = decoded.remainder
  }
  return { blocks, rest }
}
