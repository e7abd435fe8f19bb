import { basename } from 'node:path'
import { WitnessInvalid } from '../../../guest/errors.js'
import { chainFromConfig, publicChain } from './chain.js'
import { InputFormatError, UnknownChain } from './errors.js'
import { isObject, list, pick, type Json } from './json.js'
import type { BlockSource, ChainSource, HeaderSource, LoadedInput, ReadPart } from './types.js'
import { GETH_RULE } from './rlpShapes.js'
import { ZKPIG_RULE } from './zkpig.js'
import { byteItems, headerItems, witnessFromJson } from './witnessJson.js'

/**
 * ethrex-replay cache files, every vintage:
 *  - current (lambdaclass/ethrex-replay@10bf1d54:src/cache.rs): `{blocks, witness: {state, codes, keys,
 *    headers}, network, <ChainConfig fields flattened>, <L2 blob_commitment/blob_proof flattened>}`, network =
 *    `{"PublicNetwork": "Hoodi"}` | `"LocalDevnet"` | `"LocalDevnetL2"` | `{"L2Chain": id}` | `{"GenesisPath": p}`;
 *  - Sep 2025: the same with a top-level `"PublicNetwork": name`;
 *  - Jun–Aug 2025 (lambdaclass/ethrex@2ebb67cf:fixtures/cache/rpc_prover/): `witness = {stateTrieNodes,
 *    storageTrieNodes: [{address: [node]}], codes: [{hash: code}], blockHeaders: {number: JSON header},
 *    parentBlockHeader, chainConfig}`, no network.
 */
export function isEthrexCache(doc: unknown): doc is Json {
  return isObject(doc) && Array.isArray(doc.blocks) && isObject(doc.witness)
}

/** ethrex block `{header, body: {transactions, uncles|ommers, withdrawals}}` (or already flat) -> flat RPC JSON. */
export function flatBlock(b: unknown, where: string): BlockSource {
  if (!isObject(b)) throw new InputFormatError(where, 'block', 'expected a block object')
  if (isObject(b.header)) {
    const body = isObject(b.body) ? b.body : b
    const transactions = pick(body, 'transactions', 'transaction')
    if (transactions !== undefined && !Array.isArray(transactions)) throw new InputFormatError(where, 'body.transactions', 'expected an array')
    return {
      json: {
        ...b.header,
        transactions: transactions ?? [],
        uncles: list(pick(body, 'uncles', 'ommers'), `${where}.body.uncles`),
        withdrawals: pick(body, 'withdrawals'),
      },
      where,
    }
  }
  return { json: b, where }
}

function l2Reason(doc: Json, file: string): string | undefined {
  const network = doc.network
  if (network === 'LocalDevnetL2') return 'network "LocalDevnetL2"'
  if (isObject(network) && network.L2Chain !== undefined) return `network {"L2Chain": ${JSON.stringify(network.L2Chain)}}`
  if (doc.blob_commitment !== undefined || doc.blobCommitment !== undefined) return 'blob_commitment present'
  if (/^cache_(batch_\d+\.json|l2-chain-\d+_)/.test(basename(file))) return 'L2 cache file name'
  return undefined
}

function chainOf(doc: Json, file: string): ChainSource {
  // Chain config flattened into the cache (current ethrex-replay, custom and L2 chains).
  if (pick(doc, 'chainId') !== undefined) return chainFromConfig(doc, file, '<top-level chain config>')
  const network = doc.network
  if (network !== undefined && network !== null) {
    if (typeof network === 'string') {
      if (network === 'LocalDevnet') throw new UnknownChain(file, 'network', '"LocalDevnet" without a chain config in the file', 'pass the devnet genesis with --chain-config FILE')
      return publicChain(network, file, 'network')
    }
    if (isObject(network)) {
      if (network.PublicNetwork !== undefined) return publicChain(network.PublicNetwork, file, 'network.PublicNetwork')
      if (network.GenesisPath !== undefined) {
        throw new UnknownChain(file, 'network.GenesisPath', `the chain config is in ${JSON.stringify(network.GenesisPath)} on the producer's machine`, 'pass that genesis with --chain-config FILE')
      }
      if (isObject(network.config)) return chainFromConfig(network.config, file, 'network.config')
      if (pick(network, 'chainId') !== undefined) return chainFromConfig(network, file, 'network')
    }
    throw new UnknownChain(file, 'network', `unrecognised network ${JSON.stringify(network).slice(0, 60)}`, 'expected {"PublicNetwork": name}, "LocalDevnet", {"L2Chain": id} or a chain config')
  }
  if (doc.PublicNetwork !== undefined) return publicChain(doc.PublicNetwork, file, 'PublicNetwork')
  const w = doc.witness as Json
  const cfg = pick(w, 'chainConfig')
  if (isObject(cfg)) return chainFromConfig(cfg, file, 'witness.chainConfig')
  return { kind: 'unknown' }
}

/** The 2025 witness: nodes split by trie, codes as `[{hash: code}]`, headers as JSON keyed by number. */
function witness2025(w: Json, file: string): Pick<LoadedInput, 'state' | 'codes' | 'keys' | 'headers'> {
  const state = byteItems(pick(w, 'stateTrieNodes'), `${file}: witness.stateTrieNodes`)
  const storage = pick(w, 'storageTrieNodes')
  const storageNodes: Uint8Array[] = []
  const groups = isObject(storage) ? [storage] : list(storage, `${file}: witness.storageTrieNodes`)
  groups.forEach((g, i) => {
    if (!isObject(g)) throw new WitnessInvalid(`${file}: witness.storageTrieNodes[${i}]`, 'expected {address: [node]}')
    // A loop, not push(...): one account's storage trie can hold more nodes than a call takes arguments.
    for (const [addr, nodes] of Object.entries(g)) for (const n of byteItems(nodes, `${file}: witness.storageTrieNodes[${i}][${addr}]`, false)) storageNodes.push(n)
  })
  const headers: HeaderSource[] = headerItems(pick(w, 'blockHeaders'), `${file}: witness.blockHeaders`)
  const parent = pick(w, 'parentBlockHeader')
  if (parent !== undefined) headers.push(...headerItems([parent], `${file}: witness.parentBlockHeader`))
  return {
    state: [...state, ...storageNodes],
    codes: byteItems(pick(w, 'codes'), `${file}: witness.codes`),
    keys: byteItems(pick(w, 'keys'), `${file}: witness.keys`, false),
    headers,
  }
}

/** Tessera's `producer` field survives conversion so a missing node still names the original producer's rule. */
function producerRuleOf(producer: string): string | undefined {
  if (producer === 'zk-pig') return ZKPIG_RULE
  if (producer.startsWith('geth')) return GETH_RULE
  return undefined
}

export function readEthrexCache(doc: Json, file: string): ReadPart {
  const l2 = l2Reason(doc, file)
  if (l2 !== undefined) return { kind: 'l2-batch', file, json: doc }
  const w = doc.witness as Json
  const vintage2025 = w.stateTrieNodes !== undefined || w.storageTrieNodes !== undefined || w.blockHeaders !== undefined
  const parts = vintage2025 ? witness2025(w, file) : witnessFromJson(w, `${file}: witness`)
  const blocks = (doc.blocks as unknown[]).map((b, i) => flatBlock(b, `${file}: blocks[${i}]`))
  if (blocks.length === 0) throw new InputFormatError(file, 'blocks', 'empty')
  return {
    kind: 'input',
    inputs: [
      {
        shape: vintage2025 ? 'ethrex-cache-2025' : doc.PublicNetwork !== undefined ? 'ethrex-cache-sep-2025' : 'ethrex-cache',
        files: [file],
        blocks,
        ...parts,
        chain: chainOf(doc, file),
        notes: [],
        producerRule: typeof doc.producer === 'string' ? producerRuleOf(doc.producer) : undefined,
      },
    ],
  }
}
