import { WitnessInvalid } from '../../../guest/errors.js'

/**
 * Liberal readers for the JSON other producers write: numbers as JSON numbers, decimal or hex strings;
 * `null` means absent everywhere; camelCase and snake_case field names both accepted. Everything read is
 * still checked (hash-linked or re-hashed) later; being liberal here only concerns spelling.
 */

export type Json = Record<string, unknown>

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** First present (non-null) value among the names, each tried as written and in snake_case. */
export function pick(obj: Json, ...names: string[]): unknown {
  for (const n of names) {
    for (const k of [n, snake(n)]) {
      const v = obj[k]
      if (v !== undefined && v !== null) return v
    }
  }
  return undefined
}

/** A quantity as a bigint: JSON number, "0x…" hex or decimal string. */
export function quantity(v: unknown, where: string): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new WitnessInvalid(where, `not a non-negative integer: ${v}`)
    return BigInt(v)
  }
  if (typeof v === 'string') {
    if (/^0x[0-9a-fA-F]+$/.test(v)) return BigInt(v)
    if (v === '0x') return 0n
    if (/^[0-9]+$/.test(v)) return BigInt(v)
  }
  throw new WitnessInvalid(where, `expected a number or a hex/decimal quantity, got ${JSON.stringify(v)?.slice(0, 40)}`)
}

export const hexQuantity = (v: unknown, where: string): string => `0x${quantity(v, where).toString(16)}`

/** Header field names as eth_getBlockByNumber writes them, with the spellings other producers use. */
const HEADER_FIELDS: [string, string[], 'data' | 'quantity'][] = [
  ['parentHash', ['parentHash'], 'data'],
  ['sha3Uncles', ['sha3Uncles', 'ommersHash', 'unclesHash', 'uncleHash'], 'data'],
  ['miner', ['miner', 'coinbase', 'beneficiary', 'feeRecipient'], 'data'],
  ['stateRoot', ['stateRoot'], 'data'],
  ['transactionsRoot', ['transactionsRoot', 'transactionsTrie', 'txRoot'], 'data'],
  ['receiptsRoot', ['receiptsRoot', 'receiptTrie', 'receiptRoot'], 'data'],
  ['logsBloom', ['logsBloom', 'bloom'], 'data'],
  ['difficulty', ['difficulty'], 'quantity'],
  ['number', ['number'], 'quantity'],
  ['gasLimit', ['gasLimit'], 'quantity'],
  ['gasUsed', ['gasUsed'], 'quantity'],
  ['timestamp', ['timestamp'], 'quantity'],
  ['extraData', ['extraData'], 'data'],
  ['mixHash', ['mixHash', 'prevRandao'], 'data'],
  ['nonce', ['nonce'], 'data'],
  ['baseFeePerGas', ['baseFeePerGas'], 'quantity'],
  ['withdrawalsRoot', ['withdrawalsRoot'], 'data'],
  ['blobGasUsed', ['blobGasUsed'], 'quantity'],
  ['excessBlobGas', ['excessBlobGas'], 'quantity'],
  ['parentBeaconBlockRoot', ['parentBeaconBlockRoot'], 'data'],
  ['requestsHash', ['requestsHash', 'requestsRoot'], 'data'],
]

/**
 * Any producer's JSON header -> the eth_getBlockByNumber spelling ethereumjs reads (hex strings, camelCase,
 * absent fields left out). `hash` is kept so the encoder can check it.
 */
export function normalizeHeaderJson(h: unknown, where: string): Json {
  if (!isObject(h)) throw new WitnessInvalid(where, 'expected a JSON header object')
  const out: Json = {}
  for (const [name, spellings, kind] of HEADER_FIELDS) {
    const v = pick(h, ...spellings)
    if (v === undefined) continue
    if (kind === 'quantity') out[name] = hexQuantity(v, `${where}.${name}`)
    else if (name === 'nonce' && typeof v === 'number') out[name] = `0x${BigInt(v).toString(16).padStart(16, '0')}`
    else if (typeof v !== 'string') throw new WitnessInvalid(`${where}.${name}`, `expected a 0x-hex string, got ${typeof v}`)
    else out[name] = v
  }
  const hash = pick(h, 'hash', 'blockHash')
  if (typeof hash === 'string') out.hash = hash
  for (const required of ['parentHash', 'stateRoot', 'number']) {
    if (out[required] === undefined) throw new WitnessInvalid(`${where}.${required}`, 'missing')
  }
  return out
}

const TX_QUANTITIES = ['nonce', 'gas', 'gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas', 'maxFeePerBlobGas', 'value', 'chainId', 'v', 'yParity', 'type']

/** alloy's enum tags for signed transactions, as serde writes them (`{"Eip1559": {...}}`). */
const TX_TAGS: Record<string, string> = { Legacy: '0x0', Eip2930: '0x1', Eip1559: '0x2', Eip4844: '0x3', Eip7702: '0x4' }

/**
 * alloy/serde's tagged signed transaction, in the two layouts scroll-tech/stateless-block-verifier writes
 * (3a32848c:testdata/ethereum/1-23587691.json: `{signature, transaction: {Eip1559: {...}}}`; its
 * testdata/scroll/euclidv2/*.json: `{Eip1559: {signature, transaction: {...}}}`) -> one flat object with `type`.
 */
function untagTx(tx: Json): Json {
  const tagOf = (o: Json) => Object.keys(o).find((k) => k in TX_TAGS && Object.keys(o).length === 1)
  const outer = tagOf(tx)
  if (outer !== undefined && isObject(tx[outer])) {
    const inner = tx[outer] as Json
    const body = isObject(inner.transaction) ? inner.transaction : inner
    return { ...body, ...(isObject(inner.signature) ? { signature: inner.signature } : {}), type: TX_TAGS[outer] }
  }
  if (isObject(tx.transaction)) {
    const tag = tagOf(tx.transaction)
    if (tag !== undefined && isObject(tx.transaction[tag])) return { ...(tx.transaction[tag] as Json), signature: tx.signature, type: TX_TAGS[tag] }
  }
  return tx
}

/** An RPC transaction with nulls dropped, numbers as hex and snake_case fields renamed. */
export function normalizeTxJson(tx: unknown, where: string): Json {
  if (!isObject(tx)) throw new WitnessInvalid(where, 'expected a transaction object (full transactions, not hashes)')
  const out: Json = {}
  tx = untagTx(tx)
  // alloy/reth serde nests the signature (`signature: {r, s, yParity|v}`) and may tag `to` as {"Call": addr}.
  const flat: Json = isObject((tx as Json).signature) ? { ...(tx as Json), ...((tx as Json).signature as Json) } : { ...(tx as Json) }
  delete flat.signature
  for (const [k, v] of Object.entries(flat)) {
    if (v === null || v === undefined) continue
    const name = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
    out[name] = v
  }
  if (isObject(out.to)) out.to = out.to.Call ?? out.to.call
  if (out.to === 'Create' || out.to === 'create' || out.to === '' || out.to === '0x' || out.to === undefined) delete out.to
  if (out.type === undefined && out.transactionType !== undefined) out.type = out.transactionType
  delete out.transactionType
  // SBV 2025 (f11065e:testdata/legacy/holesky_witness/*.json) writes the parity as a JSON boolean `y_parity`.
  for (const k of ['yParity', 'v']) if (typeof out[k] === 'boolean') out[k] = out[k] ? 1 : 0
  if (out.gas === undefined && out.gasLimit !== undefined) out.gas = out.gasLimit
  if (out.input === undefined && out.data !== undefined) out.input = out.data
  if (out.authorizationList === undefined && out.authorizations !== undefined) out.authorizationList = out.authorizations
  for (const q of TX_QUANTITIES) if (out[q] !== undefined) out[q] = hexQuantity(out[q], `${where}.${q}`)
  if (out.r !== undefined && typeof out.r !== 'string') out.r = hexQuantity(out.r, `${where}.r`)
  if (out.s !== undefined && typeof out.s !== 'string') out.s = hexQuantity(out.s, `${where}.s`)
  if (out.type === undefined) out.type = '0x0'
  // Typed transactions sign yParity; some producers only write v (0/1 there).
  if (out.type !== '0x0' && out.yParity === undefined && out.v !== undefined) out.yParity = out.v
  // ...and some only yParity (ethereumjs reads v).
  if (out.type !== '0x0' && out.v === undefined && out.yParity !== undefined) out.v = out.yParity
  if (out.type === '0x0') {
    // alloy writes a legacy signature's parity (v or yParity 0/1), not its v: rebuild v = 27 + parity, or
    // 35 + 2 * chainId + parity for an EIP-155 transaction (one that names its chain id).
    const parity = out.v === '0x0' || out.v === '0x1' ? out.v : out.v === undefined ? out.yParity : undefined
    if (parity === '0x0' || parity === '0x1') {
      const p = BigInt(parity)
      out.v = `0x${(out.chainId !== undefined ? 35n + 2n * BigInt(out.chainId as string) + p : 27n + p).toString(16)}`
    }
    delete out.yParity
    // Legacy transactions have one gas price; some producers copy it into the fee-market fields.
    delete out.maxFeePerGas
    delete out.maxPriorityFeePerGas
  }
  if (out.accessList !== undefined) {
    out.accessList = list(out.accessList, `${where}.accessList`).map((a, i) => {
      if (!isObject(a)) throw new WitnessInvalid(`${where}.accessList[${i}]`, 'expected {address, storageKeys}')
      return { address: pick(a, 'address'), storageKeys: list(pick(a, 'storageKeys'), `${where}.accessList[${i}].storageKeys`) }
    })
  }
  if (Array.isArray(out.authorizationList)) {
    out.authorizationList = out.authorizationList.map((a, i) => {
      const auth = normalizeTxJson({ ...(a as Json), type: 0 }, `${where}.authorizationList[${i}]`)
      delete auth.type
      return auth
    })
  }
  return out
}

export function normalizeWithdrawalJson(w: unknown, where: string): Json {
  if (!isObject(w)) throw new WitnessInvalid(where, 'expected a withdrawal object')
  const address = pick(w, 'address')
  if (typeof address !== 'string') throw new WitnessInvalid(`${where}.address`, 'missing')
  return {
    index: hexQuantity(pick(w, 'index'), `${where}.index`),
    validatorIndex: hexQuantity(pick(w, 'validatorIndex'), `${where}.validatorIndex`),
    address,
    amount: hexQuantity(pick(w, 'amount'), `${where}.amount`),
  }
}

/** A list field that may be absent (null) or must be an array. */
export function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw new WitnessInvalid(where, 'expected an array')
  return v
}
