import { parseHex } from '../hex.js'
import { chainFromConfig, publicChain } from './chain.js'
import { InputFormatError } from './errors.js'
import { isObject, list, pick, type Json } from './json.js'
import type { BlockSource, ChainSource, HeaderSource, ReadPart } from './types.js'

/**
 * A full pre-state instead of a witness (EELS / t8n style): `{pre | alloc: {address: {balance, nonce, code,
 * storage}}, parentHeader | parent (JSON header or RLP hex), block | blocks (RPC JSON or RLP hex), ancestors?,
 * chainConfig | network}`. Tessera records the minimal witness from it (src/witness/record.ts), then runs
 * the guest on that witness alone; the pre-state must hash to the parent header's state root.
 */
export function isPreStateInput(doc: unknown): boolean {
  return isObject(doc) && (isObject(doc.pre) || isObject(doc.alloc)) && (pick(doc, 'parentHeader', 'parent') !== undefined) && (pick(doc, 'block', 'blocks') !== undefined)
}

function headerSource(v: unknown, where: string): HeaderSource {
  if (typeof v === 'string') return parseHex(v, where)
  if (isObject(v)) return { json: v, where }
  throw new InputFormatError(where, 'header', 'expected a JSON header or RLP hex')
}

function blockSource(v: unknown, where: string): BlockSource {
  if (typeof v === 'string') return { rlp: parseHex(v, where), where }
  if (isObject(v)) return { json: v, where }
  throw new InputFormatError(where, 'block', 'expected an RPC block JSON or RLP hex')
}

export function readPreStateInput(doc: Json, file: string): ReadPart {
  const b = pick(doc, 'blocks', 'block')
  const blocks = (Array.isArray(b) ? b : [b]).map((x, i) => blockSource(x, `${file}: blocks[${i}]`))
  const cfg = pick(doc, 'chainConfig', 'config')
  const network = pick(doc, 'network')
  const chain: ChainSource = isObject(cfg) ? chainFromConfig(cfg, file, 'chainConfig') : network !== undefined ? publicChain(network, file, 'network') : { kind: 'unknown' }
  const ancestors = list(pick(doc, 'ancestors'), `${file}: ancestors`).map((h, i) => headerSource(h, `${file}: ancestors[${i}]`))
  return {
    kind: 'input',
    inputs: [
      {
        shape: 'pre-state',
        files: [file],
        blocks,
        state: [],
        codes: [],
        keys: [],
        headers: [],
        chain,
        notes: ['pre-state input: the witness was recorded by Tessera from the full pre-state, then the guest ran on that witness alone'],
        preState: { alloc: (doc.pre ?? doc.alloc) as Json, parent: headerSource(pick(doc, 'parentHeader', 'parent'), `${file}: parentHeader`), ancestors },
      },
    ],
  }
}
