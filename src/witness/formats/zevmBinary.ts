import { EMPTY_TRIE_ROOT } from '../../trie/proof.js'
import { toHex } from '../hex.js'
import { InputFormatError } from './errors.js'
import type { Json } from './json.js'
import type { ReadPart } from './types.js'

/**
 * zevm-zisk binary StatelessInput, as Consensys/zevm-stateless@5ceb0dc7:src/io.zig reads it (the format of
 * its test/vectors/test_stateless_input.bin; not SSZ despite the name some list it under): big-endian
 * integers, no framing.
 *   header: parent_hash(32) ommers_hash(32) beneficiary(20) state_root(32) transactions_root(32)
 *           receipts_root(32) logs_bloom(256) difficulty(u256) number gas_limit gas_used timestamp (u64 each)
 *           extra_data(u64 len + bytes) mix_hash(32) nonce(u64), then six optional fields each behind a u8 flag:
 *           base_fee(u64) withdrawals_root(32) blob_gas_used(u64) excess_blob_gas(u64)
 *           parent_beacon_block_root(32) requests_hash(32)
 *   transactions: u64 count, each: type(u8) [flag chain_id(u64)] nonce(u64) gas_price(u128)
 *           [flag priority_fee(u128)] gas_limit(u64) [flag to(20)] value(u256) data(u64 len + bytes)
 *           access_list(u64 n × (address(20), u64 k × key(32))) blob_hashes(u64 n × 32)
 *           max_fee_per_blob_gas(u128) v(u64: y parity) r(u256) s(u256)   (no EIP-7702 authorization list)
 *   ommers: u64 count × header; withdrawals: [flag] u64 count × (index u64, validator u64, address 20, amount u64)
 *   witness: state, codes, keys, headers: each u64 count × (u64 len + bytes)
 */
class Reader {
  pos = 0
  constructor(readonly buf: Uint8Array, readonly file: string) {}
  take(n: number, what: string): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new InputFormatError(this.file, what, `truncated at byte ${this.pos} (needs ${n} more, file has ${this.buf.length - this.pos})`)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  uint(bytes: number, what: string): bigint {
    let v = 0n
    for (const b of this.take(bytes, what)) v = (v << 8n) | BigInt(b)
    return v
  }
  u8 = (what: string) => Number(this.uint(1, what))
  u64 = (what: string) => this.uint(8, what)
  hex = (n: number, what: string) => toHex(this.take(n, what))
  q = (bytes: number, what: string) => `0x${this.uint(bytes, what).toString(16)}`
  slice(what: string): Uint8Array {
    const n = this.u64(`${what} length`)
    if (n > BigInt(this.buf.length)) throw new InputFormatError(this.file, what, `length ${n} exceeds the file`)
    return this.take(Number(n), what)
  }
  count(what: string, itemMin: number): number {
    const n = this.u64(`${what} count`)
    if (n * BigInt(itemMin) > BigInt(this.buf.length - this.pos)) throw new InputFormatError(this.file, what, `count ${n} cannot fit in the rest of the file`)
    return Number(n)
  }
}

function header(r: Reader, where: string): Json {
  const h: Json = {
    parentHash: r.hex(32, `${where}.parent_hash`),
    sha3Uncles: r.hex(32, `${where}.ommers_hash`),
    miner: r.hex(20, `${where}.beneficiary`),
    stateRoot: r.hex(32, `${where}.state_root`),
    transactionsRoot: r.hex(32, `${where}.transactions_root`),
    receiptsRoot: r.hex(32, `${where}.receipts_root`),
    logsBloom: r.hex(256, `${where}.logs_bloom`),
    difficulty: r.q(32, `${where}.difficulty`),
    number: r.q(8, `${where}.number`),
    gasLimit: r.q(8, `${where}.gas_limit`),
    gasUsed: r.q(8, `${where}.gas_used`),
    timestamp: r.q(8, `${where}.timestamp`),
    extraData: toHex(r.slice(`${where}.extra_data`)),
    mixHash: r.hex(32, `${where}.mix_hash`),
    nonce: toHex(r.take(8, `${where}.nonce`)),
  }
  const opt = (name: string, read: () => string) => {
    if (r.u8(`${where}.${name} flag`) !== 0) h[name] = read()
  }
  opt('baseFeePerGas', () => r.q(8, `${where}.base_fee_per_gas`))
  opt('withdrawalsRoot', () => r.hex(32, `${where}.withdrawals_root`))
  opt('blobGasUsed', () => r.q(8, `${where}.blob_gas_used`))
  opt('excessBlobGas', () => r.q(8, `${where}.excess_blob_gas`))
  opt('parentBeaconBlockRoot', () => r.hex(32, `${where}.parent_beacon_block_root`))
  opt('requestsHash', () => r.hex(32, `${where}.requests_hash`))
  return h
}

function transaction(r: Reader, where: string): Json {
  const type = r.u8(`${where}.type`)
  const chainId = r.u8(`${where}.chain_id flag`) !== 0 ? r.u64(`${where}.chain_id`) : undefined
  const nonce = r.q(8, `${where}.nonce`)
  const gasPrice = r.q(16, `${where}.gas_price`)
  const priority = r.u8(`${where}.priority flag`) !== 0 ? r.q(16, `${where}.gas_priority_fee`) : undefined
  const gas = r.q(8, `${where}.gas_limit`)
  const to = r.u8(`${where}.to flag`) !== 0 ? r.hex(20, `${where}.to`) : undefined
  const value = r.q(32, `${where}.value`)
  const input = toHex(r.slice(`${where}.data`))
  const accessList = Array.from({ length: r.count(`${where}.access_list`, 28) }, (_, i) => ({
    address: r.hex(20, `${where}.access_list[${i}].address`),
    storageKeys: Array.from({ length: r.count(`${where}.access_list[${i}].keys`, 32) }, (_, k) => r.hex(32, `${where}.access_list[${i}].keys[${k}]`)),
  }))
  const blobVersionedHashes = Array.from({ length: r.count(`${where}.blob_hashes`, 32) }, (_, i) => r.hex(32, `${where}.blob_hashes[${i}]`))
  const maxFeePerBlobGas = r.q(16, `${where}.max_fee_per_blob_gas`)
  const parity = r.u64(`${where}.v`)
  const rr = r.q(32, `${where}.r`)
  const s = r.q(32, `${where}.s`)
  const tx: Json = { type: `0x${type.toString(16)}`, nonce, gas, value, input, r: rr, s }
  if (to !== undefined) tx.to = to
  if (chainId !== undefined) tx.chainId = `0x${chainId.toString(16)}`
  if (type === 0) {
    tx.gasPrice = gasPrice
    // Legacy v from the parity: EIP-155 when a chain id is given, else 27/28; a full v is kept as is.
    tx.v = `0x${(parity > 1n ? parity : chainId !== undefined ? 35n + 2n * chainId + parity : 27n + parity).toString(16)}`
  } else {
    tx.yParity = `0x${parity.toString(16)}`
    tx.v = tx.yParity
    if (type === 1) tx.gasPrice = gasPrice
    else {
      tx.maxFeePerGas = gasPrice
      tx.maxPriorityFeePerGas = priority ?? '0x0'
    }
    tx.accessList = accessList
    if (type === 3) {
      tx.blobVersionedHashes = blobVersionedHashes
      tx.maxFeePerBlobGas = maxFeePerBlobGas
    }
    if (type === 4) throw new InputFormatError(r.file, `${where}.type`, 'EIP-7702 transaction: this binary format does not carry the authorization list, so the block cannot be rebuilt')
  }
  return tx
}

/** Is this plausibly the zevm binary format (rather than arbitrary bytes)? Parsing is strict either way. */
export function readZevmBinary(bytes: Uint8Array, file: string): ReadPart {
  const r = new Reader(bytes, file)
  const h = header(r, 'header')
  const transactions = Array.from({ length: r.count('transactions', 100) }, (_, i) => transaction(r, `transactions[${i}]`))
  const ommers = r.count('ommers', 500)
  for (let i = 0; i < ommers; i++) header(r, `ommers[${i}]`)
  let withdrawals: Json[] | undefined
  if (r.u8('withdrawals flag') !== 0) {
    withdrawals = Array.from({ length: r.count('withdrawals', 44) }, (_, i) => ({
      index: r.q(8, `withdrawals[${i}].index`),
      validatorIndex: r.q(8, `withdrawals[${i}].validator_index`),
      address: r.hex(20, `withdrawals[${i}].address`),
      amount: r.q(8, `withdrawals[${i}].amount`),
    }))
  }
  if (withdrawals === undefined && typeof h.withdrawalsRoot === 'string') {
    if (h.withdrawalsRoot.toLowerCase() !== EMPTY_TRIE_ROOT) {
      throw new InputFormatError(file, 'withdrawals', `absent, but the header's withdrawals root is ${h.withdrawalsRoot} (not empty): the producer dropped the block's withdrawals, so the block cannot be rebuilt (block ${BigInt(h.number as string)})`)
    }
    withdrawals = []
  }
  if (ommers > 0) throw new InputFormatError(file, 'ommers', 'the format drops uncle headers\' contents Tessera needs; pre-Merge blocks cannot be rebuilt from it')
  const items = (what: string) => Array.from({ length: r.count(what, 8) }, (_, i) => Uint8Array.from(r.slice(`witness.${what}[${i}]`)))
  const state = items('state')
  const codes = items('codes')
  const keys = items('keys')
  const headers = items('headers')
  if (r.pos !== bytes.length) throw new InputFormatError(file, 'end', `${bytes.length - r.pos} bytes left over after the witness`)
  const chainTx = transactions.find((t) => t.chainId !== undefined)
  return {
    kind: 'input',
    inputs: [
      {
        shape: 'zevm-binary',
        files: [file],
        blocks: [{ json: { ...h, transactions, uncles: [], withdrawals }, where: file }],
        state,
        codes,
        keys,
        headers,
        chain: chainTx === undefined ? { kind: 'unknown' } : { kind: 'chain-id', chainId: Number(BigInt(chainTx.chainId as string)), where: `${file}: transactions[].chain_id` },
        notes: ['zevm binary input: the block hash is not in the file; it is recomputed from the header fields and checked against the next header only'],
      },
    ],
  }
}
