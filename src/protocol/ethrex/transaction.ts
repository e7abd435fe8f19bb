import type { Common } from '@ethereumjs/common'
import { createTx, type TypedTransaction, type TypedTxData } from '@ethereumjs/tx'
import { Address, bigIntToHex, bytesToHex } from '@ethereumjs/util'
import { PrivilegedTransaction } from '../../../guest/l2/privilegedTx.js'
import { ProtocolError } from '../errors.js'
import { array, fixedHex, object, type JsonObject } from '../fields.js'
import type { Json } from '../json.js'

/**
 * ethrex's `Transaction` JSON, as its hand-written serde impls write and read it
 * (lambdaclass/ethrex@00fa6217871111b677f56ee858d45adf9c2cdbf7 crates/common/types/transaction.rs,
 * `mod serde_impl`). `enum Transaction` is `#[serde(untagged)]`: each variant writes its own struct, with a
 * `type` field first. Field order per type (`impl Serialize for …Transaction`):
 *   Legacy      type nonce to gas value input gasPrice chainId v r s
 *   EIP2930     type nonce to gas value input gasPrice accessList chainId yParity v r s
 *   EIP1559     type nonce to gas value input maxPriorityFeePerGas maxFeePerGas gasPrice accessList chainId yParity v r s
 *   EIP4844     type nonce to gas value input maxPriorityFeePerGas maxFeePerGas gasPrice maxFeePerBlobGas accessList
 *               blobVersionedHashes chainId yParity v r s
 *   EIP7702     type nonce to gas value input maxPriorityFeePerGas maxFeePerGas gasPrice accessList authorizationList
 *               chainId yParity v r s
 *   Privileged  type(0x7e) nonce to gas value input maxPriorityFeePerGas maxFeePerGas gasPrice accessList chainId from
 * u64s as `format!("{:#x}")` (minimal 0x-hex), `gasPrice` = max_fee_per_gas for fee-market types, U256 (value,
 * r, s, legacy v) via ethereum-types serde (minimal 0x-hex), `input` as `0x{:x}` of the bytes, `to` via
 * `impl Serialize for TxKind` (0x-hex address, null for create), `from`/addresses as 0x + 40 hex,
 * `accessList` as `AccessListEntry{address, storageKeys}`, `authorizationList` as `AuthorizationTupleEntry
 * {chainId, address, nonce, yParity, r, s}`; a legacy tx's `chainId` is derived from v (`derive_legacy_chain_id`:
 * none for v 27/28, written as 0x0). No `hash`, no `from` on signed types.
 * Reading (`impl Deserialize for Transaction`): the `type` field picks the variant (absent = EIP1559), each
 * variant takes only the fields its `Deserialize` impl names and ignores the rest (`hash`, `from`, …).
 */

const TYPES: Record<string, number> = { '0x0': 0, '0x1': 1, '0x2': 2, '0x3': 3, '0x4': 4, '0x7e': 0x7e }
const U64_MAX = (1n << 64n) - 1n
const U256_MAX = (1n << 256n) - 1n

const hex = (v: bigint) => `0x${v.toString(16)}`

function quantity(tx: JsonObject, name: string, field: string, max: bigint): bigint {
  const v = tx[name]
  if (v === undefined) throw new ProtocolError('malformed', 'missing', `${field}.${name}`)
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw new ProtocolError('malformed', 'expected a 0x-hex quantity', `${field}.${name}`)
  const n = BigInt(v)
  // ethrex reads these as U256 and truncates to u64 (`as_u64`); Tessera refuses instead of truncating.
  if (n > max) throw new ProtocolError('malformed', `does not fit in ${max === U64_MAX ? 'u64' : 'U256'}`, `${field}.${name}`)
  return n
}

function bytesField(tx: JsonObject, name: string, field: string): Uint8Array {
  const v = tx[name]
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) throw new ProtocolError('malformed', 'expected 0x-hex bytes', `${field}.${name}`)
  return Uint8Array.from(Buffer.from(v.slice(2), 'hex'))
}

/** `TxKind`: an address, or null/"" for a create. */
function txKind(tx: JsonObject, field: string): Address | undefined {
  if (!('to' in tx)) throw new ProtocolError('malformed', 'missing', `${field}.to`)
  const v = tx.to
  if (v === null || v === '') return undefined
  return new Address(fixedHex(v, `${field}.to`, 20))
}

function address(tx: JsonObject, name: string, field: string): Address {
  return new Address(fixedHex(tx[name], `${field}.${name}`, 20))
}

function yParity(tx: JsonObject, field: string): bigint {
  const v = tx.yParity
  if (typeof v !== 'string' || !/^(0x)?[0-9a-fA-F]{1,2}$/.test(v)) throw new ProtocolError('malformed', 'expected 0x-hex u8', `${field}.yParity`)
  return BigInt(Number.parseInt(v.replace(/^0x/, ''), 16) !== 0 ? 1 : 0)
}

function accessList(tx: JsonObject, field: string): [Uint8Array, Uint8Array[]][] {
  return array(tx.accessList, `${field}.accessList`).map((e, i) => {
    const at = `${field}.accessList[${i}]`
    const o = object(e, at)
    return [fixedHex(o.address, `${at}.address`, 20), array(o.storageKeys, `${at}.storageKeys`).map((k, j) => fixedHex(k, `${at}.storageKeys[${j}]`, 32))]
  })
}

/** One ethrex Transaction JSON -> an ethereumjs transaction, or a PrivilegedTransaction for type 0x7e. */
export function txFromEthrex(json: Json, common: Common, field: string): TypedTransaction | PrivilegedTransaction {
  const tx = object(json, field)
  const typeName = tx.type === undefined ? '0x2' : tx.type
  if (typeof typeName !== 'string' || TYPES[typeName.toLowerCase()] === undefined) {
    throw new ProtocolError('malformed', `unknown transaction type ${JSON.stringify(typeName)}`, `${field}.type`)
  }
  const type = TYPES[typeName.toLowerCase()]
  const u64 = (name: string) => quantity(tx, name, field, U64_MAX)
  const u256 = (name: string) => quantity(tx, name, field, U256_MAX)
  const data = bytesField(tx, 'input', field)
  if (type === 0x7e) {
    return new PrivilegedTransaction(
      u64('chainId'), u64('nonce'), u64('maxPriorityFeePerGas'), u64('maxFeePerGas'), u64('gas'),
      txKind(tx, field), u256('value'), data, accessList(tx, field), address(tx, 'from', field),
    )
  }
  let txData: TypedTxData
  const to = txKind(tx, field)
  if (type === 0) {
    txData = { type, nonce: u64('nonce'), gasPrice: u64('gasPrice'), gasLimit: u64('gas'), to, value: u256('value'), data, v: u256('v'), r: u256('r'), s: u256('s') }
  } else {
    const common2930 = { chainId: u64('chainId'), nonce: u64('nonce'), gasLimit: u64('gas'), value: u256('value'), data, accessList: accessList(tx, field) }
    const sig = { v: yParity(tx, field), r: u256('r'), s: u256('s') }
    if (type === 1) txData = { type, ...common2930, gasPrice: u64('gasPrice'), to, ...sig }
    else {
      const fees = { maxPriorityFeePerGas: u64('maxPriorityFeePerGas'), maxFeePerGas: u64('maxFeePerGas') }
      if (type === 2) txData = { type, ...common2930, ...fees, to, ...sig }
      else {
        if (to === undefined) throw new ProtocolError('malformed', 'a type 3/4 transaction cannot create a contract', `${field}.to`)
        if (type === 3) {
          const hashes = array(tx.blobVersionedHashes, `${field}.blobVersionedHashes`).map((h, i) => fixedHex(h, `${field}.blobVersionedHashes[${i}]`, 32))
          txData = { type, ...common2930, ...fees, to, maxFeePerBlobGas: u256('maxFeePerBlobGas'), blobVersionedHashes: hashes, ...sig }
        } else {
          const auths = array(tx.authorizationList, `${field}.authorizationList`).map((a, i) => {
            const at = `${field}.authorizationList[${i}]`
            const o = object(a, at)
            const q = (n: string, max: bigint) => hex(quantity(o, n, at, max))
            return { chainId: q('chainId', U256_MAX), address: bytesToHex(fixedHex(o.address, `${at}.address`, 20)), nonce: q('nonce', U64_MAX), yParity: q('yParity', U256_MAX), r: q('r', U256_MAX), s: q('s', U256_MAX) }
          })
          txData = { type, ...common2930, ...fees, to, authorizationList: auths as never, ...sig }
        }
      }
    }
  }
  try {
    return createTx(txData, { common })
  } catch (e) {
    throw new ProtocolError('malformed', `not a valid transaction: ${(e as Error).message.slice(0, 200)}`, field)
  }
}

function accessListJson(list: [Uint8Array, Uint8Array[]][]): Json {
  return list.map(([a, keys]) => ({ address: bytesToHex(a), storageKeys: keys.map((k) => bytesToHex(k)) }))
}

/** A transaction as ethrex's serde writes it (field order of its `impl Serialize`, see above). */
export function txToEthrex(tx: TypedTransaction | PrivilegedTransaction): Json {
  const head = (type: number, nonce: bigint, to: Address | undefined, gas: bigint, value: bigint, data: Uint8Array): JsonObject => ({
    type: hex(BigInt(type)),
    nonce: hex(nonce),
    to: to === undefined ? null : to.toString(),
    gas: hex(gas),
    value: bigIntToHex(value),
    input: bytesToHex(data),
  })
  if (tx instanceof PrivilegedTransaction) {
    return {
      ...head(0x7e, tx.nonce, tx.to, tx.gasLimit, tx.value, tx.data),
      maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGas),
      maxFeePerGas: hex(tx.maxFeePerGas),
      gasPrice: hex(tx.maxFeePerGas),
      accessList: accessListJson(tx.accessList),
      chainId: hex(tx.chainId),
      from: tx.from.toString(),
    }
  }
  const t = tx as TypedTransaction & Record<string, unknown>
  const out = head(t.type, t.nonce, t.to, t.gasLimit, t.value, t.data)
  const sig = () => ({ yParity: hex(t.v ?? 0n), v: hex(t.v ?? 0n), r: hex(t.r ?? 0n), s: hex(t.s ?? 0n) })
  const fees = () => ({ maxPriorityFeePerGas: hex(t.maxPriorityFeePerGas as bigint), maxFeePerGas: hex(t.maxFeePerGas as bigint), gasPrice: hex(t.maxFeePerGas as bigint) })
  const al = () => accessListJson(t.accessList as [Uint8Array, Uint8Array[]][])
  switch (t.type) {
    case 0: {
      const v = t.v ?? 0n
      return { ...out, gasPrice: hex(t.gasPrice as bigint), chainId: hex(v === 27n || v === 28n || v < 35n ? 0n : (v - 35n) / 2n), v: hex(v), r: hex(t.r ?? 0n), s: hex(t.s ?? 0n) }
    }
    case 1:
      return { ...out, gasPrice: hex(t.gasPrice as bigint), accessList: al(), chainId: hex(t.chainId as bigint), ...sig() }
    case 2:
      return { ...out, ...fees(), accessList: al(), chainId: hex(t.chainId as bigint), ...sig() }
    case 3:
      return {
        ...out, ...fees(), maxFeePerBlobGas: hex(t.maxFeePerBlobGas as bigint), accessList: al(),
        blobVersionedHashes: (t.blobVersionedHashes as string[]).map((h) => h.toLowerCase()), chainId: hex(t.chainId as bigint), ...sig(),
      }
    case 4: {
      const auths = (t.authorizationList as Uint8Array[][]).map(([chainId, addr, nonce, yp, r, s]) => ({
        chainId: bigIntToHex(BigInt(bytesToHex(chainId) === '0x' ? 0 : bytesToHex(chainId))),
        address: bytesToHex(addr),
        nonce: bigIntToHex(BigInt(bytesToHex(nonce) === '0x' ? 0 : bytesToHex(nonce))),
        yParity: bigIntToHex(BigInt(bytesToHex(yp) === '0x' ? 0 : bytesToHex(yp))),
        r: bigIntToHex(BigInt(bytesToHex(r) === '0x' ? 0 : bytesToHex(r))),
        s: bigIntToHex(BigInt(bytesToHex(s) === '0x' ? 0 : bytesToHex(s))),
      }))
      return { ...out, ...fees(), accessList: al(), authorizationList: auths, chainId: hex(t.chainId as bigint), ...sig() }
    }
    default:
      throw new ProtocolError('malformed', `transaction type ${(tx as { type: number }).type} has no ethrex JSON form`, 'transaction')
  }
}
