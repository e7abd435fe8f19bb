import { createBlockFromExecutionPayload, createBlockFromRLP, createBlockFromRPC, createBlockHeaderFromRLP, createBlockHeaderFromRPC, type Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessInvalid } from '../../../guest/errors.js'
import type { ChainConfig, ProgramInput } from '../../../guest/types.js'
import { hostCommon } from '../cache.js'
import { toHex } from '../hex.js'
import { resolveChain } from './chain.js'
import { InputFormatError, ParentHeaderMissing, UnknownChain } from './errors.js'
import { isObject, list, normalizeHeaderJson, normalizeTxJson, normalizeWithdrawalJson, pick, quantity, type Json } from './json.js'
import { chainIdFromRlpBlock } from './rlpShapes.js'
import type { BlockSource, ChainSource, HeaderSource, LoadedInput } from './types.js'
import { inferPreStateRoot } from './trieWalk.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hostCrypto } from '../../crypto/index.js'
import type { Alloc } from '../genesis.js'
import { createTxFromRLP } from '@ethereumjs/tx'
import { parseHex } from '../hex.js'
import { AncestorChain } from '../../../guest/headers.js'

/**
 * Full pre-state input: build the state, check it hashes to the parent header's state root, record the
 * minimal witness by running the blocks over it, and replace the input's witness with that recording.
 */
async function recordFromPreState(input: LoadedInput, blocks: Block[], common: Common, trustPreStateRoot: boolean): Promise<void> {
  // The stateful path (state builder, recorder, the VM) is loaded only for inputs that carry a full pre-state;
  // a witness file is resolved without it, and the VM then loads only in the workers that run the guest.
  const { buildStateFromAlloc } = await import('../genesis.js')
  const { recordWitness } = await import('../record.js')
  const { executeBlocks } = await import('../../../guest/execute.js')
  const { RecordingNodeStore } = await import('../../../guest/state.js')
  const pre = input.preState!
  const file = input.files.join(' + ')
  const parentRaw = 'rlpBlock' in pre.parent ? createBlockFromRLP(pre.parent.rlpBlock, { common, setHardfork: true }).header.serialize() : headerBytes(pre.parent, common)
  const rawAncestors = [...(pre.ancestors ?? []).map((h) => headerBytes(h, common)), parentRaw]
  const ancestors = rawAncestors.map((raw) => createBlockHeaderFromRLP(raw, { common, setHardfork: true, skipConsensusFormatValidation: true }))
  const parent = ancestors[ancestors.length - 1]
  const { nodes, stateRoot } = await buildStateFromAlloc(pre.alloc as Alloc, common.copy())
  if (toHex(stateRoot) !== toHex(parent.stateRoot)) {
    const why = input.preStateMayBePartial ? ` (${input.preStateMayBePartial})` : ''
    if (!trustPreStateRoot || input.preStateMayBePartial === undefined) {
      throw new WitnessInvalid(
        `${file}: pre`,
        `the pre-state hashes to ${toHex(stateRoot)}, the parent header's state root is ${toHex(parent.stateRoot)}${why}: the block cannot be checked against its parent${input.preStateMayBePartial ? '; --trust-pre-state-root runs it over this pre-state, unanchored' : ''}`,
      )
    }
    // Unanchored over the producer's own pre-state: record what the block reads from it, starting at its root;
    // BLOCKHASH of the parent still answers from the parent header. A failing run leaves the witness of what
    // was read, and the guest then fails the same way.
    const recording = new RecordingNodeStore(nodes)
    const trusted = { preStateRoot: stateRoot, blockHashes: ancestors.map((h, i) => ({ number: h.number, hash: keccak_256(rawAncestors[i]) })) }
    await executeBlocks(common, blocks, AncestorChain.unanchored(trusted), recording).catch(() => undefined)
    const read = recording.recorded()
    input.state = read.state
    input.codes = read.codes
    input.keys = []
    input.headers = []
    input.claimedPreStateRoot = stateRoot
    input.blockHashes = trusted.blockHashes.map((b) => b.hash)
    return
  }
  const crypto = hostCrypto()
  const recorded = await recordWitness({ common, blocks, ancestors, preState: nodes, keccak256: crypto.keccak256 })
  input.state = recorded.witness.state
  input.codes = recorded.witness.codes
  input.keys = []
  input.headers = recorded.witness.headers
}

export interface ResolveOptions {
  /** --network / --chain-config: overrides (and must agree with) what the input says. */
  chain?: ChainSource
  /** --parent-header FILE contents. */
  parentHeader?: HeaderSource
  /** --rpc-url: fetch a header (RLP) by hash. */
  fetchHeader?: (hash: string, number: bigint, common: Common) => Promise<Uint8Array>
  /** --trust-pre-state-root: run a headerless input from its claimed (or only possible) root, marked unanchored. */
  trustPreStateRoot?: boolean
}

/** An input ready for the guest, with what its provenance lets Tessera claim. */
export interface ResolvedInput {
  loaded: LoadedInput
  program: ProgramInput
  chainConfig: ChainConfig
  /** Decoded blocks (host side), first..last. */
  blocks: Block[]
  /** How the pre-state root is tied to something: the input's headers, a header supplied separately, or trust. */
  anchor: 'witness-headers' | 'parent-header-flag' | 'parent-header-rpc' | 'unanchored'
  notes: string[]
}

function chainIdOf(input: LoadedInput): ChainSource {
  if (input.chain.kind !== 'unknown') return input.chain
  for (const b of input.blocks) {
    if ('payload' in b) continue
    if ('rlp' in b) {
      const id = chainIdFromRlpBlock(b.rlp)
      if (id !== undefined) return { kind: 'chain-id', chainId: id, where: `${b.where}: transactions` }
    } else {
      for (const [i, tx] of list(b.json.transactions, `${b.where}.transactions`).entries()) {
        const id = isObject(tx) ? pick(tx, 'chainId') : undefined
        if (id !== undefined) return { kind: 'chain-id', chainId: Number(quantity(id, `${b.where}.transactions[${i}].chainId`)), where: `${b.where}.transactions[${i}].chainId` }
      }
    }
  }
  return { kind: 'unknown' }
}

function chainIdNumber(c: ChainSource): number | undefined {
  if (c.kind === 'config') return c.config.chainId
  if (c.kind === 'chain-id') return c.chainId
  if (c.kind === 'public') return resolveChain(c, '').chainId
  return undefined
}

export function chainConfigOf(input: LoadedInput, override?: ChainSource): ChainConfig {
  const file = input.files.join(' + ')
  const own = chainIdOf(input)
  if (override !== undefined) {
    const a = chainIdNumber(override)
    const b = chainIdNumber(own)
    if (a !== undefined && b !== undefined && a !== b) {
      throw new UnknownChain(file, 'chain id', `the input says chain ${b} (${'where' in own ? own.where : ''}), the flag chain ${a}`)
    }
  }
  return resolveChain(own, file, override)
}

/** A raw typed transaction (0x-hex, as keth writes them) as RPC JSON, decoded under the block's fork. */
function rawTxJson(hex: string, where: string, common: Common, header: Json): Json {
  const c = common.copy()
  c.setHardforkBy({ blockNumber: BigInt(header.number as string), timestamp: header.timestamp === undefined ? undefined : BigInt(header.timestamp as string) })
  try {
    return createTxFromRLP(parseHex(hex, where), { common: c }).toJSON() as Json
  } catch (e) {
    throw new WitnessInvalid(where, `not a transaction: ${(e as Error).message}`)
  }
}

function blockFromJson(json: Json, where: string, common: Common): Block {
  const header = normalizeHeaderJson(json, where)
  const transactions = list(pick(json, 'transactions', 'transaction'), `${where}.transactions`).map((t, i) =>
    normalizeTxJson(typeof t === 'string' && t.startsWith('0x') ? rawTxJson(t, `${where}.transactions[${i}]`, common, header) : t, `${where}.transactions[${i}]`),
  )
  const w = pick(json, 'withdrawals')
  const withdrawals = w === undefined ? undefined : list(w, `${where}.withdrawals`).map((x, i) => normalizeWithdrawalJson(x, `${where}.withdrawals[${i}]`))
  const uncles = list(pick(json, 'uncles', 'ommers'), `${where}.uncles`)
  if (uncles.some((u) => typeof u === 'string')) {
    throw new InputFormatError(where, 'uncles', 'uncles given as hashes: the uncle headers are needed to rebuild the block', 'give the block as RLP (debug_getRawBlock) instead')
  }
  let block: Block
  try {
    block = createBlockFromRPC({ ...header, transactions, withdrawals } as never, uncles.map((u, i) => normalizeHeaderJson(u, `${where}.uncles[${i}]`)) as never[], { common, setHardfork: true })
  } catch (e) {
    throw new WitnessInvalid(where, `cannot build the block from its JSON: ${(e as Error).message}`)
  }
  if (typeof header.hash === 'string' && header.hash.toLowerCase() !== toHex(block.hash())) {
    throw new WitnessInvalid(`${where}.hash`, `the block's fields hash to ${toHex(block.hash())}, not ${header.hash} (a field is missing or mis-encoded, or the chain config picks the wrong fork)`)
  }
  return block
}

/** EIP-7685 requests hash: sha256 over the sha256 of each non-empty request (type byte ‖ data). */
function requestsHash(requests: Uint8Array[]): string {
  return toHex(sha256(Buffer.concat(requests.filter((r) => r.length > 1).map((r) => sha256(r)))))
}

async function blockFromPayload(b: Extract<BlockSource, { payload: Json }>, common: Common): Promise<Block> {
  const c = common.copy()
  c.setHardforkBy({ blockNumber: BigInt(b.payload.blockNumber as string), timestamp: BigInt(b.payload.timestamp as string) })
  const payload = { ...b.payload, ...(c.isActivatedEIP(7685) ? { requestsHash: requestsHash(b.requests) } : {}) }
  let block: Block
  try {
    block = await createBlockFromExecutionPayload(payload as never, { common: c })
  } catch (e) {
    throw new WitnessInvalid(b.where, `cannot rebuild the block from the execution payload: ${(e as Error)?.message ?? String(e)}`)
  }
  const blobHashes = block.transactions.flatMap((tx) => ((tx as { blobVersionedHashes?: Uint8Array[] }).blobVersionedHashes ?? []).map(toHex))
  if (blobHashes.join() !== b.versionedHashes.map((h) => h.toLowerCase()).join()) {
    throw new WitnessInvalid(`${b.where}.versioned_hashes`, `do not match the blob transactions' (${blobHashes.length} vs ${b.versionedHashes.length})`)
  }
  return block
}

export async function decodeBlockSource(b: BlockSource, common: Common): Promise<Block> {
  if ('payload' in b) return blockFromPayload(b, common)
  if ('json' in b) return blockFromJson(b.json, b.where, common)
  try {
    return createBlockFromRLP(b.rlp, { common, setHardfork: true })
  } catch (e) {
    throw new WitnessInvalid(b.where, `cannot decode the RLP block: ${(e as Error).message}`)
  }
}

export function headerBytes(h: HeaderSource, common: Common): Uint8Array {
  if (h instanceof Uint8Array) return h
  const json = normalizeHeaderJson(h.json, h.where)
  let header
  try {
    header = createBlockHeaderFromRPC(json as never, { common, setHardfork: true })
  } catch (e) {
    throw new WitnessInvalid(h.where, `cannot encode the JSON header: ${(e as Error).message}`)
  }
  if (typeof json.hash === 'string' && json.hash.toLowerCase() !== toHex(header.hash())) {
    throw new WitnessInvalid(`${h.where}.hash`, `the header's fields hash to ${toHex(header.hash())}, not ${json.hash}`)
  }
  return header.serialize()
}

/** Turn a loaded input into the guest's ProgramInput, applying the provenance rules. */
export async function resolveInput(input: LoadedInput, opts: ResolveOptions = {}): Promise<ResolvedInput> {
  const file = input.files.join(' + ')
  const chainConfig = chainConfigOf(input, opts.chain)
  const common = hostCommon(chainConfig)
  const blocks = await Promise.all(input.blocks.map((b) => decodeBlockSource(b, common)))
  blocks.sort((a, b) => (a.header.number < b.header.number ? -1 : a.header.number > b.header.number ? 1 : 0))
  if (input.preState !== undefined && input.state.length === 0) await recordFromPreState(input, blocks, common, opts.trustPreStateRoot === true)
  // Producers list the same header twice (ethrex 2025: blockHeaders and parentBlockHeader): keep one of each.
  const headers = [...new Map(input.headers.map((h) => headerBytes(h, common)).map((raw) => [toHex(raw), raw])).values()]
  const notes = [...input.notes]
  const first = blocks[0].header
  let anchor: ResolvedInput['anchor'] = 'witness-headers'
  let unanchored: ProgramInput['unanchored']
  if (headers.length === 0) {
    const parentHash = toHex(first.parentHash)
    const check = (raw: Uint8Array, from: string) => {
      if (toHex(keccak_256(raw)) !== parentHash) {
        const got = createBlockHeaderFromRLP(raw, { common, setHardfork: true, skipConsensusFormatValidation: true })
        throw new WitnessInvalid(from, `header of block ${got.number} hashes to ${toHex(keccak_256(raw))}, not the parent ${parentHash} of block ${first.number}`)
      }
      headers.push(raw)
    }
    if (opts.parentHeader !== undefined) {
      check(headerBytes(opts.parentHeader, common), '--parent-header')
      anchor = 'parent-header-flag'
    } else if (opts.fetchHeader !== undefined) {
      check(await opts.fetchHeader(parentHash, first.number - 1n, common), `--rpc-url header ${parentHash}`)
      anchor = 'parent-header-rpc'
    } else if (opts.trustPreStateRoot) {
      const root = input.claimedPreStateRoot ?? inferPreStateRoot(input.state, file)
      const hashes = input.blockHashes ?? []
      unanchored = {
        preStateRoot: root,
        blockHashes: hashes.map((hash, i) => ({ number: first.number - BigInt(hashes.length - i), hash })),
      }
      anchor = 'unanchored'
      notes.push(`UNANCHORED: pre-state root ${toHex(root)} taken on trust (--trust-pre-state-root); the first block's header rules against its parent were not checked`)
    } else {
      throw new ParentHeaderMissing(file, parentHash, first.number - 1n, input.shape)
    }
  }
  return {
    loaded: input,
    program: { blocks: blocks.map((b) => b.serialize()), witness: { state: input.state, codes: input.codes, keys: input.keys, headers }, chainConfig, ...(unanchored ? { unanchored } : {}) },
    chainConfig,
    blocks,
    anchor,
    notes,
  }
}
