import type { ExecutionWitness } from '../../../guest/types.js'
import { ProtocolError } from '../errors.js'
import { byteArrays, bytesToJson, object, u64 } from '../fields.js'
import type { Json } from '../json.js'

/**
 * ethrex's own `ExecutionWitness` (not the RPC list form), as it travels inside `ProverInputData` and the L1
 * `ProgramInput`. Tessera reads and writes its flat form:
 *   lambdaclass/ethrex@b22f7ca066de9b5ed59b4d53247ce703ca7e81b6 crates/common/types/block_execution_witness.rs
 *   `struct ExecutionWitness` 73-91, `#[serde(rename_all = "camelCase")]` 72:
 *     codes: Vec<Vec<u8>> 76, block_headers_bytes: Vec<Vec<u8>> 79, first_block_number: u64 81,
 *     chain_config: ChainConfig 83, nodes: Vec<Vec<u8>> 86, keys: Vec<Vec<u8>> 90
 *   -> {"codes":[[..]],"blockHeadersBytes":[[..]],"firstBlockNumber":n,"chainConfig":{..},"nodes":[[..]],"keys":[[..]]}
 * That maps one to one onto Tessera's witness (nodes = state, blockHeadersBytes = headers).
 *
 * Other ethrex revisions embed the tries instead (`state_trie_root: Option<Node>`,
 * `storage_trie_roots: BTreeMap<H256, Node>`, snake_case, no `nodes`/`keys`). That form is recognised and
 * refused with a clear error: the JSON layout of ethrex's trie `Node` could not be read at any pinned commit
 * (docs/protocol.md).
 */

export interface EthrexWitness {
  witness: ExecutionWitness
  firstBlockNumber: number
  chainConfig: Json
}

export function isNestedWitness(json: Json | undefined): boolean {
  return json !== null && typeof json === 'object' && !Array.isArray(json) && ('state_trie_root' in json || 'storage_trie_roots' in json)
}

export function parseEthrexWitness(json: Json | undefined, field: string): EthrexWitness {
  const w = object(json, field)
  if (isNestedWitness(w)) {
    throw new ProtocolError(
      'unsupported_input',
      'ethrex witness with embedded tries (state_trie_root/storage_trie_roots) is not supported; Tessera reads the flat form (nodes)',
      field,
    )
  }
  return {
    witness: {
      state: byteArrays(w.nodes, `${field}.nodes`),
      codes: byteArrays(w.codes, `${field}.codes`),
      keys: w.keys === undefined || w.keys === null ? [] : byteArrays(w.keys, `${field}.keys`),
      headers: byteArrays(w.blockHeadersBytes, `${field}.blockHeadersBytes`),
    },
    firstBlockNumber: u64(w.firstBlockNumber, `${field}.firstBlockNumber`),
    chainConfig: object(w.chainConfig, `${field}.chainConfig`),
  }
}

/** Tessera's witness in ethrex's flat form, fields in ethrex's declaration order. */
export function ethrexWitnessJson(witness: ExecutionWitness, firstBlockNumber: number, chainConfig: Json): Json {
  return {
    codes: witness.codes.map(bytesToJson),
    blockHeadersBytes: witness.headers.map(bytesToJson),
    firstBlockNumber,
    chainConfig,
    nodes: witness.state.map(bytesToJson),
    keys: witness.keys.map(bytesToJson),
  }
}
