import { RLP } from '@ethereumjs/rlp'
import { InputFormatError } from './errors.js'
import type { ChainSource, ReadPart } from './types.js'

/**
 * Binary RLP inputs:
 *  - a block (`debug_getRawBlock`, geth `1192c3_block.rlp`): `[header, txs, uncles, withdrawals?]`;
 *  - geth ExtWitness (ethereum/go-ethereum@01a38816:core/stateless/encoding.go, and the 4-field variant with
 *    `keys` in cmd/keeper/getpayload_example.go @023565d6): `[headers: [header list], codes, state, keys?]`;
 *  - geth keeper Payload (cmd/keeper): `[chainId, block, witness]`.
 */
type Item = Uint8Array | Item[]

/**
 * What geth's witness recorder is known to leave out (seen in go-ethereum@b05fe4aa cmd/keeper/1192c3_witness.rlp):
 * the trie path of an account read but left unchanged (there, the recipient of a zero-value blob transaction).
 * geth's own stateless run tolerates it because its StateDB turns a missing trie node into "account absent";
 * Tessera never does (that would accept a block whose header was built on a lie).
 */
export const GETH_RULE =
  "geth's witness can omit the trie path of accounts read but not modified (its StateDB reads them from the flat snapshot and treats a missing trie node as an absent account); get the witness from a producer that records reads (ethrex, reth)"

const isList = (x: Item | undefined): x is Item[] => Array.isArray(x)
const isBytes = (x: Item | undefined): x is Uint8Array => x instanceof Uint8Array

/** A header is a list of 15+ byte strings. */
const isHeader = (x: Item | undefined): boolean => isList(x) && x.length >= 15 && x.every(isBytes)

function bytesList(x: Item, file: string, field: string): Uint8Array[] {
  if (!isList(x) || !x.every(isBytes)) throw new InputFormatError(file, field, 'expected a list of byte strings')
  return x as Uint8Array[]
}

function extWitness(w: Item[], file: string): Extract<ReadPart, { kind: 'witness' }>['witness'] {
  const [headers, codes, state, keys] = w
  if (!isList(headers) || !headers.every(isHeader)) throw new InputFormatError(file, 'ExtWitness.headers', 'expected a list of RLP headers')
  return {
    headers: headers.map((h) => RLP.encode(h as Uint8Array[])),
    codes: bytesList(codes, file, 'ExtWitness.codes'),
    state: bytesList(state, file, 'ExtWitness.state'),
    keys: keys === undefined ? [] : bytesList(keys, file, 'ExtWitness.keys'),
  }
}

export function readRlp(bytes: Uint8Array, file: string): ReadPart[] | undefined {
  let decoded: Item
  try {
    decoded = RLP.decode(bytes) as Item
  } catch {
    return undefined
  }
  if (!isList(decoded)) return undefined
  if (isHeader(decoded[0]) && isList(decoded[1]) && decoded.length >= 3 && decoded.length <= 5) {
    return [{ kind: 'block', blocks: [{ rlp: bytes, where: file }], chain: { kind: 'unknown' }, file, shape: 'geth-rlp' }]
  }
  if ((decoded.length === 3 || decoded.length === 4) && isList(decoded[0]) && decoded[0].every(isHeader)) {
    return [{ kind: 'witness', witness: extWitness(decoded, file), file, shape: 'geth-rlp' }]
  }
  if (decoded.length === 3 && isBytes(decoded[0]) && isList(decoded[1]) && isHeader(decoded[1][0]) && isList(decoded[2])) {
    let id = 0n
    for (const b of decoded[0]) id = (id << 8n) | BigInt(b)
    const chain: ChainSource = { kind: 'chain-id', chainId: Number(id), where: `${file}: Payload.ChainID` }
    return [
      { kind: 'block', blocks: [{ rlp: RLP.encode(decoded[1] as never), where: `${file}: Payload.Block` }], chain, file, shape: 'geth-keeper-payload' },
      { kind: 'witness', witness: extWitness(decoded[2], file), file, shape: 'geth-keeper-payload' },
    ]
  }
  return undefined
}

/** Chain id from the first signed transaction that carries one (typed txs; EIP-155 legacy v). */
export function chainIdFromRlpBlock(block: Uint8Array): number | undefined {
  const decoded = RLP.decode(block) as Item
  if (!isList(decoded) || !isList(decoded[1])) return undefined
  for (const tx of decoded[1]) {
    if (isBytes(tx) && tx.length > 0 && tx[0] < 0x7f) {
      const body = RLP.decode(tx.subarray(1)) as Item
      if (isList(body) && isBytes(body[0])) return Number(bigOf(body[0]))
    } else if (isList(tx) && isBytes(tx[6])) {
      const v = bigOf(tx[6])
      if (v >= 35n) return Number((v - 35n) / 2n)
    }
  }
  return undefined
}

function bigOf(b: Uint8Array): bigint {
  let v = 0n
  for (const x of b) v = (v << 8n) | BigInt(x)
  return v
}
