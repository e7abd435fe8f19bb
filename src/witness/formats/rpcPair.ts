import { parseHex } from '../hex.js'
import { InputFormatError } from './errors.js'
import { isObject, pick, quantity, type Json } from './json.js'
import { readRlp } from './rlpShapes.js'
import type { ChainSource, ReadPart } from './types.js'
import { looksLikeWitness, witnessFromJson } from './witnessJson.js'

/**
 * Inputs assembled from node answers: `eth_getBlockByNumber(n, true)` JSON (or `debug_getRawBlock` hex) and a
 * `debug_executionWitness` answer (list form: ethrex, reth, Besu; map form: reth 2024, as in
 * scroll-tech/stateless-block-verifier@7621ce14:testdata/holesky_witness; geth's JSON-header variant), bare or
 * inside a JSON-RPC envelope (Consensys/zevm-stateless@39b0f7ed:test/vectors/stateless/json/).
 */

/** `{"jsonrpc", "result": x}` -> x; a JSON-RPC error is the node's answer, reported as such. */
export function unwrapEnvelope(doc: unknown, file: string): unknown {
  if (isObject(doc) && (doc.jsonrpc !== undefined || ('result' in doc && 'id' in doc) || ('error' in doc && 'id' in doc))) {
    if (isObject(doc.error)) throw new InputFormatError(file, 'error', `the file holds a JSON-RPC error, not a result: ${JSON.stringify(doc.error).slice(0, 200)}`)
    if (doc.result === null || doc.result === undefined) throw new InputFormatError(file, 'result', 'null (the node had no answer for that request)')
    return doc.result
  }
  return doc
}

export function isRpcBlock(o: Json): boolean {
  return Array.isArray(o.transactions) && pick(o, 'parentHash') !== undefined && pick(o, 'stateRoot') !== undefined
}

function chainOfBlockJson(o: Json, file: string): ChainSource {
  const txs = o.transactions as unknown[]
  for (const [i, tx] of txs.entries()) {
    if (!isObject(tx)) continue
    const id = pick(tx, 'chainId')
    if (id !== undefined) return { kind: 'chain-id', chainId: Number(quantity(id, `${file}: transactions[${i}].chainId`)), where: `${file}: transactions[${i}].chainId` }
  }
  return { kind: 'unknown' }
}

export function readRpcJson(doc: unknown, file: string): ReadPart[] | undefined {
  if (typeof doc === 'string') {
    const parts = readRlp(parseHex(doc, `${file}: result`), file)
    if (parts === undefined) throw new InputFormatError(file, 'result', 'a hex string that is neither an RLP block nor an RLP witness')
    // debug_getRawBlock's answer: an RPC input, not geth's keeper files.
    return parts.map((p) => (p.kind === 'block' || p.kind === 'witness' ? { ...p, shape: 'rpc-block+witness' } : p))
  }
  if (!isObject(doc)) return undefined
  if (isRpcBlock(doc)) return [{ kind: 'block', blocks: [{ json: doc, where: file }], chain: chainOfBlockJson(doc, file), file, shape: 'rpc-block+witness' }]
  if (looksLikeWitness(doc)) return [{ kind: 'witness', witness: witnessFromJson(doc, `${file}: witness`), file, shape: 'rpc-block+witness' }]
  return undefined
}
