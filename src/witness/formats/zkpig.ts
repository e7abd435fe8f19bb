import { InputFormatError } from './errors.js'
import { chainFromConfig } from './chain.js'
import { isObject, list, pick, type Json } from './json.js'
import type { ReadPart } from './types.js'
import { byteItems, headerItems } from './witnessJson.js'
import { parseHex } from '../hex.js'

/**
 * zk-pig ProverInput (kkrt-labs/zk-pig@40af435f:src/prover-input/input.go; real file from
 * kkrt-labs/keth@af06d58d:test_data/22188088.json): `{version, blocks: [{header, transaction: [RPC tx], uncles,
 * withdrawals}], witness: {state, ancestors: [JSON header], codes}, chainConfig, extra: {accessList,
 * committed, stateDiffs, preState}}`. Transactions carry JSON nulls for fields their type lacks.
 */
export const ZKPIG_RULE =
  "zk-pig builds witnesses with a modified MPT that does not record the nodes only a trie restructuring reads: the sibling a deletion collapses into its parent, and the node a new key splits (the proof that the key was absent); a producer rule, not a Tessera bug: re-record the witness with a producer that keeps them (ethrex, reth)"

export function isZkPig(doc: unknown): doc is Json {
  return isObject(doc) && Array.isArray(doc.blocks) && isObject(doc.witness) && (isObject(doc.extra) || Array.isArray((doc.witness as Json).ancestors))
}

export function readZkPig(doc: Json, file: string): ReadPart {
  const w = doc.witness as Json
  const blocks = list(doc.blocks, `${file}: blocks`).map((b, i) => {
    const where = `${file}: blocks[${i}]`
    if (!isObject(b) || !isObject(b.header)) throw new InputFormatError(file, `blocks[${i}].header`, 'missing')
    return {
      json: {
        ...b.header,
        transactions: list(pick(b, 'transaction', 'transactions'), `${where}.transaction`),
        uncles: list(pick(b, 'uncles'), `${where}.uncles`),
        withdrawals: pick(b, 'withdrawals'),
      },
      where,
    }
  })
  if (blocks.length === 0) throw new InputFormatError(file, 'blocks', 'empty')
  // Addresses zk-pig lists in `extra` are preimages of account keys: informational, they let errors name accounts.
  const keys: Uint8Array[] = []
  const extra = isObject(doc.extra) ? doc.extra : {}
  if (isObject(extra.preState)) for (const a of Object.keys(extra.preState)) if (/^0x[0-9a-fA-F]{40}$/.test(a)) keys.push(parseHex(a, `${file}: extra.preState key`))
  if (!isObject(doc.chainConfig)) throw new InputFormatError(file, 'chainConfig', 'missing')
  return {
    kind: 'input',
    inputs: [
      {
        shape: 'zk-pig',
        files: [file],
        blocks,
        state: byteItems(pick(w, 'state'), `${file}: witness.state`),
        codes: byteItems(pick(w, 'codes'), `${file}: witness.codes`),
        keys,
        headers: headerItems(pick(w, 'ancestors', 'headers'), `${file}: witness.ancestors`),
        chain: chainFromConfig(doc.chainConfig, file, 'chainConfig'),
        producerRule: ZKPIG_RULE,
        notes: ['zk-pig `extra` (preState, stateDiffs, committed) is not used: execution reads the witness only'],
      },
    ],
  }
}
