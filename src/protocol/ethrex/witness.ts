import { RLP } from '@ethereumjs/rlp'
import type { ExecutionWitness } from '../../../guest/types.js'
import { hostCrypto } from '../../crypto/index.js'
import { toHex } from '../../witness/hex.js'
import { ProtocolError } from '../errors.js'
import { byteArrays, bytesToJson, object, u64, type JsonObject } from '../fields.js'
import type { Json } from '../json.js'
import { embedTrie, EMPTY_TRIE_ROOT_HEX, EmbeddedTrieInvalid, nodesByHash, readEmbeddedTrie } from './embeddedTrie.js'

/**
 * ethrex's own `ExecutionWitness` (not the RPC list form), as it travels inside `ProverInputData` and the L1
 * `ProgramInput`, in the three layouts ethrex has used (lambdaclass/ethrex, crates/common/types/block_execution_witness.rs):
 *
 * 'flat'    up to ethrex v6.0.0 (last at 85ef3d33, 2025-11-11; also read at b22f7ca0), `rename_all = "camelCase"`:
 *           {"codes":[[..]],"blockHeadersBytes":[[..]],"firstBlockNumber":n,"chainConfig":{..},"nodes":[[..]],"keys":[[..]]}
 *           One to one onto Tessera's witness (nodes = state, blockHeadersBytes = headers).
 * 'nested-by-address'  ethrex v7.0.0 to v9.0.0 (ab151d2a #5224, 2025-11-14, to b962fbfb): no rename, tries embedded,
 *           `state_trie_root: Option<Node>`, `storage_trie_roots: BTreeMap<Address, Node>`, `keys`. Read only.
 * 'nested'  ethrex main since b962fbfb (#6356, 2026-03-16; followed at e8f2e60d, 2026-03-26):
 *           {"codes","block_headers_bytes","first_block_number","chain_config","state_trie_root","storage_trie_roots"}
 *           with `storage_trie_roots: BTreeMap<H256, Node>` keyed by keccak(address), "0x…" keys ascending.
 * The trie JSON is ./embeddedTrie.ts. A nested witness is read only when it proves itself: the state tree re-hashes
 * to the parent header's state root, and every storage tree to the storage root of the account its key names.
 */

export type EthrexWitnessForm = 'flat' | 'nested' | 'nested-by-address'
/** The forms Tessera writes. */
export const WRITTEN_WITNESS_FORMS = ['nested', 'flat'] as const
export type WrittenWitnessForm = (typeof WRITTEN_WITNESS_FORMS)[number]

export interface EthrexWitness {
  witness: ExecutionWitness
  firstBlockNumber: number
  chainConfig: Json
  form: EthrexWitnessForm
}

export function isNestedWitness(json: Json | undefined): boolean {
  return json !== null && typeof json === 'object' && !Array.isArray(json) && ('state_trie_root' in json || 'storage_trie_roots' in json)
}

/** The fields each form must carry (checked when a message is read; the tries are checked when it is run). */
export function requiredWitnessFields(json: Json | undefined): string[] {
  return isNestedWitness(json)
    ? ['codes', 'block_headers_bytes', 'first_block_number', 'chain_config', 'storage_trie_roots'] // a missing Option is None to serde
    : ['codes', 'blockHeadersBytes', 'firstBlockNumber', 'chainConfig', 'nodes']
}

export function parseEthrexWitness(json: Json | undefined, field: string): EthrexWitness {
  const w = object(json, field)
  if (isNestedWitness(w)) return parseNestedWitness(w, field)
  return {
    witness: {
      state: byteArrays(w.nodes, `${field}.nodes`),
      codes: byteArrays(w.codes, `${field}.codes`),
      keys: w.keys === undefined || w.keys === null ? [] : byteArrays(w.keys, `${field}.keys`),
      headers: byteArrays(w.blockHeadersBytes, `${field}.blockHeadersBytes`),
    },
    firstBlockNumber: u64(w.firstBlockNumber, `${field}.firstBlockNumber`),
    chainConfig: object(w.chainConfig, `${field}.chainConfig`),
    form: 'flat',
  }
}

/** State root of the header numbered `number`, from RLP headers; undefined when none is. */
function stateRootOf(headers: Uint8Array[], number: number, field: string): Uint8Array | undefined {
  for (let i = 0; i < headers.length; i++) {
    let h: unknown
    try {
      h = RLP.decode(headers[i])
    } catch (e) {
      throw new ProtocolError('malformed', `not an RLP header (${(e as Error).message})`, `${field}[${i}]`)
    }
    if (!Array.isArray(h) || h.length < 15 || !(h[3] instanceof Uint8Array) || h[3].length !== 32 || !(h[8] instanceof Uint8Array)) {
      throw new ProtocolError('malformed', 'not an RLP block header', `${field}[${i}]`)
    }
    const n = h[8].length === 0 ? 0 : Number(BigInt(toHex(h[8])))
    if (n === number) return h[3]
  }
  return undefined
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

function parseNestedWitness(w: JsonObject, field: string): EthrexWitness {
  const headers = byteArrays(w.block_headers_bytes, `${field}.block_headers_bytes`)
  const firstBlockNumber = u64(w.first_block_number, `${field}.first_block_number`)
  if (firstBlockNumber === 0) throw new ProtocolError('malformed', 'must be above 0 (the parent header is needed)', `${field}.first_block_number`)
  const parentRoot = stateRootOf(headers, firstBlockNumber - 1, `${field}.block_headers_bytes`)
  if (parentRoot === undefined) {
    throw new ProtocolError('malformed', `has no header of block ${firstBlockNumber - 1}, the parent of the first block`, `${field}.block_headers_bytes`)
  }

  // The state tree must re-hash to the parent's state root; `null` is the empty state.
  const stateField = `${field}.state_trie_root`
  const accounts = new Map<string, { storageRoot: Uint8Array }>()
  const state: Uint8Array[] = []
  if (w.state_trie_root === null || w.state_trie_root === undefined) {
    if (toHex(parentRoot) !== EMPTY_TRIE_ROOT_HEX) {
      throw new EmbeddedTrieInvalid(`is null, but the parent header (block ${firstBlockNumber - 1}) has state root ${toHex(parentRoot)}`, stateField)
    }
  } else {
    const tree = readEmbeddedTrie(w.state_trie_root, stateField, accounts)
    if (!sameBytes(tree.rootHash, parentRoot)) {
      throw new EmbeddedTrieInvalid(`re-hashes to ${toHex(tree.rootHash)}, but the parent header (block ${firstBlockNumber - 1}) has state root ${toHex(parentRoot)}`, stateField)
    }
    for (const node of tree.nodes) state.push(node) // not push(...): a witness can hold a million nodes
  }

  // Every storage tree: keyed by keccak(address) (or, before ethrex #6356, by the address), matching that account.
  const storageField = `${field}.storage_trie_roots`
  const roots = object(w.storage_trie_roots, storageField)
  const keccak = hostCrypto().keccak256
  let byAddress = false
  for (const key of Object.keys(roots)) {
    const at = `${storageField}[${JSON.stringify(key.slice(0, 80))}]`
    let hashed: string
    if (/^0x[0-9a-fA-F]{64}$/.test(key)) hashed = key.toLowerCase()
    else if (/^0x[0-9a-fA-F]{40}$/.test(key)) {
      hashed = toHex(keccak(Uint8Array.from(Buffer.from(key.slice(2), 'hex'))))
      byAddress = true
    } else throw new EmbeddedTrieInvalid('the key is neither 0x-hex of keccak(address) (32 bytes) nor an address', at)
    const account = accounts.get(hashed)
    if (account === undefined) throw new EmbeddedTrieInvalid(`no account with hashed address ${hashed} is in the embedded state trie`, at)
    const tree = readEmbeddedTrie(roots[key], at, undefined)
    if (!sameBytes(tree.rootHash, account.storageRoot)) {
      throw new EmbeddedTrieInvalid(`re-hashes to ${toHex(tree.rootHash)}, but the account's storage root is ${toHex(account.storageRoot)}`, at)
    }
    for (const node of tree.nodes) state.push(node) // not push(...): a witness can hold a million nodes
  }

  return {
    witness: {
      state: dedupe(state),
      codes: byteArrays(w.codes, `${field}.codes`),
      keys: w.keys === undefined || w.keys === null ? [] : byteArrays(w.keys, `${field}.keys`),
      headers,
    },
    firstBlockNumber,
    chainConfig: object(w.chain_config, `${field}.chain_config`),
    form: byAddress || 'keys' in w ? 'nested-by-address' : 'nested',
  }
}

/** Identical subtrees (two contracts with the same storage) give identical nodes; keep one of each. */
function dedupe(nodes: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>()
  return nodes.filter((n) => {
    const key = Buffer.from(n.buffer, n.byteOffset, n.length).toString('latin1')
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Tessera's witness in one of ethrex's forms, fields in ethrex's declaration order. */
export function ethrexWitnessJson(witness: ExecutionWitness, firstBlockNumber: number, chainConfig: Json, form: WrittenWitnessForm = 'nested'): Json {
  if (form === 'flat') {
    return {
      codes: witness.codes.map(bytesToJson),
      blockHeadersBytes: witness.headers.map(bytesToJson),
      firstBlockNumber,
      chainConfig,
      nodes: witness.state.map(bytesToJson),
      keys: witness.keys.map(bytesToJson),
    }
  }
  return {
    codes: witness.codes.map(bytesToJson),
    block_headers_bytes: witness.headers.map(bytesToJson),
    first_block_number: firstBlockNumber,
    chain_config: chainConfig,
    ...embeddedTries(witness, firstBlockNumber),
  }
}

/**
 * The tries as ethrex builds them from an RPC witness (crates/networking/rpc/debug/execution_witness.rs
 * `execution_witness_from_rpc_chain_config` @ e8f2e60d): the state trie embedded from the parent header's state
 * root; then, for every account leaf in it (ascending keccak(address)) whose storage root is neither empty nor
 * missing from the witness, that storage trie embedded.
 */
function embeddedTries(witness: ExecutionWitness, firstBlockNumber: number): { state_trie_root: Json; storage_trie_roots: Json } {
  const parentRoot = stateRootOf(witness.headers, firstBlockNumber - 1, 'witness.headers')
  if (parentRoot === undefined) throw new ProtocolError('malformed', `has no header of block ${firstBlockNumber - 1}, the parent of the first block`, 'witness.headers')
  const nodes = nodesByHash(witness.state)
  const state = embedTrie(parentRoot, nodes, 'state trie')
  const storage: { [key: string]: Json } = {}
  if (state !== undefined) {
    for (const hashed of [...state.accounts.keys()].sort()) {
      const root = state.accounts.get(hashed)!
      const rootHex = toHex(root)
      if (rootHex === EMPTY_TRIE_ROOT_HEX || !nodes.has(rootHex)) continue
      storage[hashed] = embedTrie(root, nodes, `storage trie of ${hashed}`)!.json
    }
  }
  return { state_trie_root: state === undefined ? null : state.json, storage_trie_roots: storage }
}

/** `--witness-form` / `--accept-commit` values. */
export function parseWitnessForm(value: string, flag: string): WrittenWitnessForm {
  if (!(WRITTEN_WITNESS_FORMS as readonly string[]).includes(value)) throw new Error(`${flag}: expected one of ${WRITTEN_WITNESS_FORMS.join(', ')}, got "${value}"`)
  return value as WrittenWitnessForm
}
