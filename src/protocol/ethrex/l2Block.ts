import { createBlockHeaderFromRPC, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { bigIntToHex, bytesToHex } from '@ethereumjs/util'
import { decodeL2Block, type L2Transaction } from '../../../guest/l2/block.js'
import { PrivilegedTransaction } from '../../../guest/l2/privilegedTx.js'
import { ProtocolError } from '../errors.js'
import { array, object } from '../fields.js'
import { stringifyJson, type Json } from '../json.js'
import { txFromEthrex, txToEthrex } from './transaction.js'
import { headerFieldsThroughNonce } from '../../witness/rpcJson.js'

/**
 * An ethrex L2 block between ethrex's `Block` JSON and the RLP the L2 guest runs
 * (lambdaclass/ethrex@c60da193627ec1ee3cea67e8e613333e5917f4c5 crates/common/types/block.rs):
 * JSON `Block{header, body}`, `BlockHeader` camelCase (renames `sha3Uncles`, `miner`, `mixHash`; u64 via
 * `hex_str`, `nonce` via `hex_str_padding`, `baseFeePerGas` via `hex_str_opt` written null when None,
 * `withdrawalsRoot`/`parentBeaconBlockRoot`/`requestsHash` written null when None, `blobGasUsed`/
 * `excessBlobGas` skipped when None), `BlockBody{transactions, uncles, withdrawals: Option<Vec<_>>}`.
 * RLP (`impl RLPEncode for Block`): [header, transactions, ommers] and the withdrawals list only when Some
 * (`encode_optional_field`), so JSON `"withdrawals": null` is a 3-item block and `[]` a 4-item one.
 * Transactions, privileged (0x7e) ones included, use ethrex's serde forms (./transaction.ts).
 */

/** ethrex BlockHeader JSON, fields in declaration order. */
export function headerToEthrex(h: BlockHeader): { [key: string]: Json } {
  const q = (v: bigint) => bigIntToHex(v)
  const out: { [key: string]: Json } = {
    ...headerFieldsThroughNonce(h),
    baseFeePerGas: h.baseFeePerGas === undefined ? null : q(h.baseFeePerGas),
    withdrawalsRoot: h.withdrawalsRoot === undefined ? null : bytesToHex(h.withdrawalsRoot),
  }
  if (h.blobGasUsed !== undefined) out.blobGasUsed = q(h.blobGasUsed)
  if (h.excessBlobGas !== undefined) out.excessBlobGas = q(h.excessBlobGas)
  out.parentBeaconBlockRoot = h.parentBeaconBlockRoot === undefined ? null : bytesToHex(h.parentBeaconBlockRoot)
  out.requestsHash = h.requestsHash === undefined ? null : bytesToHex(h.requestsHash)
  return out
}

/** ethrex L2 Block JSON -> the block's RLP as ethrex encodes it, checked by the L2 block decoder. */
export function l2BlockRlpFromEthrex(json: Json, common: Common, field: string): Uint8Array {
  const b = object(json, field)
  const headerJson = object(b.header, `${field}.header`)
  const body = object(b.body, `${field}.body`)
  // ethereumjs wants absent header fields absent where serde writes null; header numbers are hex strings.
  const plain = JSON.parse(stringifyJson(headerJson)) as Record<string, unknown>
  for (const [k, v] of Object.entries(plain)) if (v === null) delete plain[k]
  let header: BlockHeader
  try {
    header = createBlockHeaderFromRPC(plain as never, { common, setHardfork: true })
  } catch (e) {
    throw new ProtocolError('malformed', `not a valid header: ${(e as Error).message.slice(0, 200)}`, `${field}.header`)
  }
  const txs = array(body.transactions, `${field}.body.transactions`).map((t, i) => txFromEthrex(t, common, `${field}.body.transactions[${i}]`))
  if (array(body.uncles ?? [], `${field}.body.uncles`).length !== 0) throw new ProtocolError('malformed', 'an L2 block has no ommers', `${field}.body.uncles`)
  const items: unknown[] = [header.raw(), txs.map((tx) => (tx instanceof PrivilegedTransaction || tx.type !== 0 ? tx.serialize() : tx.raw())), []]
  if (body.withdrawals !== null && body.withdrawals !== undefined) {
    if (array(body.withdrawals, `${field}.body.withdrawals`).length !== 0) throw new ProtocolError('malformed', 'an L2 block has no withdrawals', `${field}.body.withdrawals`)
    items.push([])
  }
  const rlp = RLP.encode(items as never)
  try {
    decodeL2Block(RLP.decode(rlp), common, field)
  } catch (e) {
    throw new ProtocolError('malformed', (e as Error).message.slice(0, 300), field)
  }
  return rlp
}

/** RLP L2 block -> ethrex Block JSON (what ethrex's serde writes for it). */
export function l2BlockToEthrex(rlp: Uint8Array, common: Common, field: string): Json {
  let value: unknown
  try {
    value = RLP.decode(rlp)
  } catch (e) {
    throw new ProtocolError('malformed', `not RLP (${(e as Error).message})`, field)
  }
  let block
  try {
    block = decodeL2Block(value, common, field)
  } catch (e) {
    throw new ProtocolError('malformed', (e as Error).message.slice(0, 300), field)
  }
  const withdrawals = (value as unknown[]).length === 4 ? [] : null
  return {
    header: headerToEthrex(block.header),
    body: { transactions: (block.transactions as L2Transaction[]).map((tx) => txToEthrex(tx)), uncles: [], withdrawals },
  }
}
