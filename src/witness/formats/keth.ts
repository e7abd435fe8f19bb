import { WitnessInvalid } from '../../../guest/errors.js'
import { InputFormatError } from './errors.js'
import { isObject, list, quantity, type Json } from './json.js'
import type { ReadPart } from './types.js'

/**
 * keth's EELS-style input (kkrt-labs/keth@06429543:cairo/scripts/zkpi_to_eels_json.py, which wrote
 * cairo/scripts/data/eels/21872325.json): `{genesisBlockHeader (the parent, RPC JSON with hash),
 * newBlockParameters: {blockHeader (EELS spellings: uncleHash, coinbase, bloom), transactions (legacy as
 * {nonce, gasPrice, gas, to, value, data, v, r, s}, typed as raw 0x-hex), withdrawals}, pre (alloc), chainId}`.
 * keth builds `pre` from the block's eth_getProof answers only and overwrites the block's stateRoot with the
 * root of that partial state, so `pre` does not hash to the parent's state root: anchored runs are refused
 * with that reason; `--trust-pre-state-root` runs the block over the partial state, unanchored.
 */
export function isKethEels(doc: unknown): doc is Json {
  return isObject(doc) && isObject(doc.genesisBlockHeader) && isObject(doc.newBlockParameters) && isObject(doc.pre)
}

export function readKethEels(doc: Json, file: string): ReadPart {
  const params = doc.newBlockParameters as Json
  if (!isObject(params.blockHeader)) throw new InputFormatError(file, 'newBlockParameters.blockHeader', 'missing')
  const transactions = list(params.transactions, `${file}: newBlockParameters.transactions`)
  transactions.forEach((t, i) => {
    if (typeof t !== 'string' && !isObject(t)) throw new WitnessInvalid(`${file}: newBlockParameters.transactions[${i}]`, 'expected a legacy transaction object or a raw typed transaction (0x-hex)')
  })
  if (doc.chainId === undefined) throw new InputFormatError(file, 'chainId', 'missing')
  const chainId = Number(quantity(doc.chainId, `${file}: chainId`))
  return {
    kind: 'input',
    inputs: [
      {
        shape: 'keth-eels',
        files: [file],
        blocks: [{ json: { ...params.blockHeader, transactions, withdrawals: params.withdrawals ?? [], uncles: [] }, where: `${file}: newBlockParameters` }],
        state: [],
        codes: [],
        keys: [],
        headers: [],
        chain: { kind: 'chain-id', chainId, where: `${file}: chainId` },
        notes: ["keth EELS-style input: the witness was recorded by Tessera from `pre`, then the guest ran on that witness alone"],
        preState: { alloc: doc.pre as Json, parent: { json: doc.genesisBlockHeader as Json, where: `${file}: genesisBlockHeader` } },
        preStateMayBePartial: "keth writes only the accounts of the block's eth_getProof answers into `pre`, and the root of that partial state as the block's stateRoot",
      },
    ],
  }
}
