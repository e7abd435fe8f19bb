import { WitnessInvalid } from '../../../guest/errors.js'
import { parseHex, toHex } from '../hex.js'
import { InputFormatError } from './errors.js'
import { isObject, list, pick, quantity, type Json } from './json.js'
import type { ReadPart } from './types.js'
import { byteItems } from './witnessJson.js'

/**
 * scroll-tech/stateless-block-verifier BlockWitness (testdata/holesky_witness at 7621ce14 / b66f7a73):
 * `{chain_id, header (snake_case, some camelCase), pre_state_root | prev_state_root, transaction(s),
 * withdrawals, block_hashes, states, codes}`. No parent header: the pre-state root is a claim, and
 * `block_hashes` are bare hashes, so neither is hash-linked to anything Tessera can check.
 */
/** Scroll's own chains, whose blocks SBV also writes (its testdata/scroll/). */
const SCROLL_CHAINS: Record<number, string> = { 534352: 'Scroll', 534351: 'Scroll Sepolia' }

export function isSbvBlockWitness(doc: unknown): doc is Json {
  return isObject(doc) && isObject(doc.header) && (doc.pre_state_root !== undefined || doc.prev_state_root !== undefined || doc.preStateRoot !== undefined) && (doc.states !== undefined || doc.state !== undefined)
}

export function readSbvBlockWitness(doc: Json, file: string): ReadPart {
  const root = pick(doc, 'preStateRoot', 'prevStateRoot')
  const preStateRoot = parseHex(root, `${file}: pre_state_root`)
  if (preStateRoot.length !== 32) throw new WitnessInvalid(`${file}: pre_state_root`, 'expected 32 bytes')
  const chainId = pick(doc, 'chainId')
  if (chainId === undefined) throw new InputFormatError(file, 'chain_id', 'missing')
  const scroll = SCROLL_CHAINS[Number(quantity(chainId, `${file}: chain_id`))]
  if (scroll !== undefined) {
    throw new InputFormatError(
      file,
      'chain_id',
      `a block of ${scroll} (chain ${chainId}): Scroll's execution rules (L1 data fee, L1 message transactions) are not Ethereum's, and Tessera replays Ethereum L1 and ethrex L2 blocks only`,
    )
  }
  const hashes = list(pick(doc, 'blockHashes'), `${file}: block_hashes`).map((h, i) => parseHex(h, `${file}: block_hashes[${i}]`))
  // SBV lists them newest first, the parent at [0] (3a32848c:testdata/ethereum/1-23587691.json and the 2025
  // holesky files); Tessera keeps them oldest first, ending at the parent.
  const parentHash = String(pick(doc.header as Json, 'parentHash') ?? '').toLowerCase()
  if (hashes.length > 1 && toHex(hashes[0]) === parentHash) hashes.reverse()
  return {
    kind: 'input',
    inputs: [
      {
        shape: 'sbv-block-witness',
        files: [file],
        blocks: [
          {
            json: {
              ...(doc.header as Json),
              transactions: list(pick(doc, 'transaction', 'transactions'), `${file}: transaction`),
              uncles: [],
              withdrawals: pick(doc, 'withdrawals'),
            },
            where: file,
          },
        ],
        state: byteItems(pick(doc, 'states', 'state'), `${file}: states`),
        codes: byteItems(pick(doc, 'codes'), `${file}: codes`),
        keys: [],
        headers: [],
        chain: { kind: 'chain-id', chainId: Number(quantity(chainId, `${file}: chain_id`)), where: `${file}: chain_id` },
        claimedPreStateRoot: preStateRoot,
        blockHashes: hashes.length > 0 ? hashes : undefined,
        notes: [
          'SBV carries no parent header: pre_state_root is a claim, not hash-linked to a header',
          hashes.length > 0 ? 'block_hashes are bare hashes (not headers): BLOCKHASH answers are unverified' : 'no block_hashes: BLOCKHASH needs headers',
        ],
      },
    ],
  }
}
