import { createBlockFromRLP } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { commonFromChainConfig } from '../../../guest/chain.js'
import { guestCrypto } from '../../../guest/crypto.js'
import type { ChainConfig } from '../../../guest/types.js'
import { encodeCacheBlock, type CacheBlock } from '../../witness/cache.js'
import { blockToCacheBlock } from '../../witness/rpcJson.js'
import { ProtocolError } from '../errors.js'
import { array, object } from '../fields.js'
import { stringifyJson, type Json } from '../json.js'

/**
 * ethrex's `Block` JSON (lambdaclass/ethrex@c60da193627ec1ee3cea67e8e613333e5917f4c5
 * crates/common/types/block.rs): `Block{header, body}` (the cached hash is `#[serde(skip)]`),
 * `BlockHeader` camelCase with `sha3Uncles`/`miner`/`mixHash` renames, u64 fields as 0x-hex strings, `nonce`
 * as 8-byte padded hex, H256/U256/Bloom as 0x-hex, absent Options as null; `BlockBody{transactions,
 * uncles, withdrawals}`. This is the shape ethrex-replay's cache files hold, so Tessera's cache-file codec
 * (src/witness/cache.ts, src/witness/rpcJson.ts) does the conversion to and from RLP.
 */

/**
 * Common for converting a chain's blocks between JSON and RLP. ethereumjs wants a KZG object before it
 * builds a blob transaction but uses it only to check blobs, which blocks do not carry: the trusted setup
 * (~0.7 s) is loaded on first real use, not for every batch a coordinator serves.
 */
export function conversionCommon(config: ChainConfig): Common {
  return commonFromChainConfig(config, guestCrypto())
}

/** ethrex Block JSON -> RLP block, checked by ethereumjs against the header's roots where it can. */
export function blockRlpFromEthrex(json: Json, common: Common, field: string): Uint8Array {
  const b = object(json, field)
  const header = object(b.header, `${field}.header`)
  const body = object(b.body, `${field}.body`)
  const transactions = array(body.transactions, `${field}.body.transactions`)
  // ethereumjs wants absent fields absent, where serde writes null; numbers never exceed 2^53 here.
  const plain = JSON.parse(stringifyJson({ header, transactions, uncles: body.uncles ?? [], withdrawals: body.withdrawals ?? null })) as {
    header: Record<string, unknown>
    transactions: Record<string, unknown>[]
    uncles: Record<string, unknown>[]
    withdrawals: Record<string, unknown>[] | null
  }
  for (const [k, v] of Object.entries(plain.header)) if (v === null) delete plain.header[k]
  const cacheBlock: CacheBlock = {
    header: plain.header,
    body: { transactions: plain.transactions, uncles: plain.uncles, withdrawals: plain.withdrawals ?? undefined },
  }
  try {
    return encodeCacheBlock(cacheBlock, common, 0)
  } catch (e) {
    throw new ProtocolError('malformed', (e as Error).message, field)
  }
}

/** RLP block -> ethrex Block JSON (header fields in ethrex's order, absent Options as null). */
export function blockToEthrex(rlp: Uint8Array, common: Common, field: string): Json {
  let cache: CacheBlock
  try {
    cache = blockToCacheBlock(createBlockFromRLP(rlp, { common, setHardfork: true }))
  } catch (e) {
    throw new ProtocolError('malformed', `not a block this chain config can decode: ${(e as Error).message}`, field)
  }
  const { hash: _hash, ...header } = cache.header
  // `base_fee_per_gas` is read with a `with =` adapter and no default in ethrex: it must be present.
  if (!('baseFeePerGas' in header)) header.baseFeePerGas = null
  const transactions = cache.body.transactions.map(({ hash: _txHash, ...tx }) => tx)
  return JSON.parse(
    JSON.stringify({ header, body: { transactions, uncles: cache.body.uncles ?? [], withdrawals: cache.body.withdrawals ?? null } }),
  ) as Json
}

/** Number of an RLP block (header field 8), without decoding the rest. */
export function blockNumberOfRlp(block: Uint8Array, field: string): number {
  let decoded: unknown
  try {
    decoded = RLP.decode(block)
  } catch (e) {
    throw new ProtocolError('malformed', `not RLP (${(e as Error).message})`, field)
  }
  const header = Array.isArray(decoded) ? decoded[0] : undefined
  const number = Array.isArray(header) ? header[8] : undefined
  if (!(number instanceof Uint8Array) || number.length > 6) throw new ProtocolError('malformed', 'not an RLP block (no usable header number)', field)
  let n = 0
  for (const b of number) n = n * 256 + b
  return n
}
