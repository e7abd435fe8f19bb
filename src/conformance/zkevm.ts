import { createBlockFromRLP, type Block, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Address, bytesToHex, createBlockLevelAccessListFromJSON, equalsBytes, type BALJSONBlockAccessList } from '@ethereumjs/util'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { isGuestError } from '../../guest/errors.js'
import { executeStateless, type ExecuteOptions } from '../../guest/execute.js'
import { RecordingNodeStore, createStateManager } from '../../guest/state.js'
import type { ChainConfig, ExecutionWitness } from '../../guest/types.js'
import {
  decodeStatelessInputV03,
  encodeStatelessInputV03,
  encodeStatelessOutputV03,
  type NewPayloadRequestV03Value,
  type StatelessInputV03Value,
} from '../witness/formats/sszStatelessV03.js'
import { isObject } from '../witness/formats/json.js'
import { byteItems } from '../witness/formats/witnessJson.js'
import { WitnessInvalid } from '../../guest/errors.js'
import { parseHex } from '../witness/hex.js'
import { recordWitness } from '../witness/record.js'
import { executionPayloadOf } from '../witness/formats/eestWrite.js'

/**
 * The EIP-8025 stateless test vectors (execution-specs `blockchain_tests_zkevm`): every block carries the
 * execution witness a client must produce (`executionWitness`), the same input as SSZ (`statelessInputBytes`)
 * and the expected SSZ result (`statelessOutputBytes`, whose `successful_validation` byte says whether a
 * stateless guest must accept the block with that witness). Four named checks per block:
 *  - `witness-guest`: the guest, given the fixture's own witness, accepts exactly when the vector says so;
 *  - `ssz-input`: `statelessInputBytes` decodes to the block, witness and chain id of the fixture, and Tessera's
 *    encoding of that input is the same bytes;
 *  - `ssz-output`: Tessera's result (hash tree root of the request it built, its own verdict, chain id) encodes
 *    to `statelessOutputBytes` byte for byte;
 *  - `recorder-covers`: the witness Tessera records from the full pre-state holds everything of the fixture's
 *    witness the block access list says the block touched (accounts, slots, their codes) and the parent header;
 *    what it adds, and fixture items off those paths it does not record, are reported (notes), not failures.
 */
export const ZKEVM_CHECKS = ['witness-guest', 'ssz-input', 'ssz-output', 'recorder-covers'] as const
export type ZkevmCheck = (typeof ZKEVM_CHECKS)[number]

export interface ZkevmBlock {
  rlp: string
  expectException?: string
  executionWitness?: unknown
  statelessInputBytes?: string
  statelessOutputBytes?: string
  blockAccessList?: unknown
}

export interface CheckCounts {
  passed: number
  failed: number
}

export interface ZkevmTally {
  checks: Record<string, CheckCounts>
  failures: string[]
  notes: string[]
}

export function hasZkevmBlocks(blocks: ZkevmBlock[]): boolean {
  return blocks.some((b) => b.executionWitness !== undefined || b.statelessInputBytes !== undefined)
}

export function newTally(): ZkevmTally {
  return { checks: Object.fromEntries(ZKEVM_CHECKS.map((c) => [c, { passed: 0, failed: 0 }])), failures: [], notes: [] }
}

function check(tally: ZkevmTally, name: ZkevmCheck, label: string, problem: string | undefined) {
  const counts = tally.checks[name]
  if (problem === undefined) counts.passed++
  else {
    counts.failed++
    tally.failures.push(`${label} ${name}: ${problem}`)
  }
}

const hex = (b: Uint8Array) => bytesToHex(b)

/** A vector's `executionWitness`: `{state, codes, headers}`, each a list of 0x-hex byte strings. */
function vectorWitness(w: unknown, where: string): ExecutionWitness {
  if (!isObject(w)) throw new WitnessInvalid(where, 'expected an object with state, codes and headers')
  return { state: byteItems(w.state, `${where}.state`), codes: byteItems(w.codes, `${where}.codes`), keys: [], headers: byteItems(w.headers, `${where}.headers`) }
}

/** EIP-7685 requests hash: sha256 of the sha256 of each request longer than its type byte. */
function requestsHash(requests: Uint8Array[]): Uint8Array {
  return sha256(Buffer.concat(requests.filter((r) => r.length > 1).map((r) => sha256(r))))
}

/**
 * The NewPayloadRequest a consensus client would send for this block. The block access list comes from the
 * fixture (`blockAccessList`, RLP-encoded); the execution requests are not in the block itself: they are taken
 * from the decoded input after checking them against the header's requests hash.
 */
function newPayloadRequest(block: Block, balRlp: Uint8Array, requests: Uint8Array[]): NewPayloadRequestV03Value {
  const h = block.header
  return {
    executionPayload: executionPayloadOf(block, balRlp, h.slotNumber ?? 0n),
    versionedHashes: block.transactions.flatMap((t) => ('blobVersionedHashes' in t ? (t.blobVersionedHashes as string[]).map((v) => parseHex(v, 'blobVersionedHashes')) : [])),
    parentBeaconBlockRoot: h.parentBeaconBlockRoot ?? new Uint8Array(32),
    executionRequests: requests,
  }
}

/** First field where two decoded values differ, as a dotted path (undefined when equal). */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return equalsBytes(a, b) ? undefined : `${path} (${hex(a).slice(0, 74)} vs ${hex(b).slice(0, 74)})`
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path} (length ${a.length} vs ${b.length})`
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`)
      if (d) return d
    }
    return undefined
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    for (const k of Object.keys(a)) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k)
      if (d) return d
    }
    return undefined
  }
  return a === b ? undefined : `${path} (${String(a)} vs ${String(b)})`
}

/** Public keys, when a producer fills them: one 65-byte uncompressed key per transaction, matching its sender. */
function publicKeysProblem(keys: Uint8Array[], block: Block): string | undefined {
  if (keys.length === 0) return undefined
  if (keys.length !== block.transactions.length) return `public_keys: ${keys.length} keys for ${block.transactions.length} transactions`
  for (const [i, k] of keys.entries()) {
    const sender = block.transactions[i].getSenderAddress().bytes
    if (k.length !== 65 || k[0] !== 4 || !equalsBytes(keccak_256(k.subarray(1)).subarray(12), sender)) return `public_keys[${i}] is not the key of sender ${hex(sender)}`
  }
  return undefined
}

/**
 * Trie nodes and codes of the pre-state that the block access list says the block touched: every node on the
 * path to each listed account and to each listed storage slot, each listed account's code, and nothing else.
 */
async function accessListFootprint(common: Common, preState: Map<string, Uint8Array>, parentRoot: Uint8Array, bal: BALJSONBlockAccessList) {
  const store = new RecordingNodeStore(preState)
  const sm = createStateManager(common.copy(), store, parentRoot)
  for (const account of bal) {
    const address = new Address(parseHex(account.address, 'blockAccessList.address'))
    const acct = await sm.getAccount(address)
    if (acct === undefined) continue
    await sm.getCode(address)
    const slots = [...account.storageReads, ...account.storageChanges.map((c) => c.slot)]
    for (const slot of slots) await sm.getStorage(address, parseHex(`0x${BigInt(slot).toString(16).padStart(64, '0')}`, 'blockAccessList.slot'))
  }
  const { state, codes } = store.recorded()
  return new Set([...state, ...codes].map(hex))
}

interface KnownState {
  nodes: Map<string, Uint8Array>
  headers: BlockHeader[]
}

/**
 * Run the four checks on one block whose parent state is `known` (the full pre-state, kept growing with
 * what each recording run writes, and the headers so far, oldest first).
 */
export async function checkZkevmBlock(
  index: number,
  b: ZkevmBlock,
  ctx: { common: Common; chainConfig: ChainConfig; known: KnownState; opts: ExecuteOptions; keccak256?: (b: Uint8Array) => Uint8Array },
  tally: ZkevmTally,
): Promise<BlockHeader | undefined> {
  const label = `block #${index}`
  const { common, chainConfig, known, opts } = ctx
  let rlp: Uint8Array
  let block: Block
  try {
    rlp = parseHex(b.rlp, `${label}.rlp`)
    block = createBlockFromRLP(rlp, { common, setHardfork: true })
  } catch (e) {
    tally.failures.push(`${label}: block does not decode: ${(e as Error).message}`)
    return undefined
  }
  let expectedOut: Uint8Array | undefined
  let inputBytes: Uint8Array | undefined
  try {
    expectedOut = b.statelessOutputBytes === undefined ? undefined : parseHex(b.statelessOutputBytes, `${label}.statelessOutputBytes`)
    inputBytes = b.statelessInputBytes === undefined ? undefined : parseHex(b.statelessInputBytes, `${label}.statelessInputBytes`)
  } catch (e) {
    tally.failures.push(`${label}: ${(e as Error).message}`)
    return undefined
  }
  const expectValid = expectedOut !== undefined && expectedOut.length > 32 ? expectedOut[32] === 1 : b.expectException === undefined

  // witness-guest: on the vector's JSON witness, or on the SSZ input's when a vector carries only that.
  let guestValid = false
  let guestError = ''
  if (b.executionWitness !== undefined || inputBytes !== undefined) {
    try {
      const w =
        b.executionWitness !== undefined
          ? vectorWitness(b.executionWitness, `${label}.executionWitness`)
          : { ...decodeStatelessInputV03(inputBytes!, `${label}.statelessInputBytes`).witness, keys: [] }
      await executeStateless({ blocks: [rlp], witness: w, chainConfig, orderedHeaders: true }, opts)
      guestValid = true
    } catch (e) {
      if (!isGuestError(e)) guestError = `untyped error: ${(e as Error)?.stack ?? String(e)}`
      else guestError = (e as Error).message
    }
    const problem = guestError.startsWith('untyped')
      ? guestError
      : guestValid === expectValid
        ? undefined
        : expectValid
          ? `the vector accepts the block with this witness, the guest rejected it: ${guestError}`
          : 'the vector rejects the block with this witness (incomplete or wrong), the guest accepted it'
    check(tally, 'witness-guest', label, problem)
  }

  // ssz-input and ssz-output
  if (inputBytes !== undefined) {
    let decoded: StatelessInputV03Value | undefined
    let built: StatelessInputV03Value | undefined
    try {
      const bytes = inputBytes
      decoded = decodeStatelessInputV03(bytes, `${label}.statelessInputBytes`)
      const balJson = b.blockAccessList as BALJSONBlockAccessList | undefined
      const balRlp = balJson !== undefined ? createBlockLevelAccessListFromJSON(balJson).serialize() : new Uint8Array()
      const problems: string[] = []
      if (block.header.blockAccessListHash !== undefined && !equalsBytes(keccak_256(balRlp), block.header.blockAccessListHash)) {
        problems.push(`keccak256(rlp(blockAccessList)) ${hex(keccak_256(balRlp))} != header blockAccessListHash ${hex(block.header.blockAccessListHash)}`)
      }
      const requests = decoded.newPayloadRequest.executionRequests
      if (block.header.requestsHash !== undefined && !equalsBytes(requestsHash(requests), block.header.requestsHash)) {
        problems.push(`execution_requests hash ${hex(requestsHash(requests))} != header requestsHash ${hex(block.header.requestsHash)}`)
      }
      const keysProblem = publicKeysProblem(decoded.publicKeys, block)
      if (keysProblem) problems.push(keysProblem)
      const w = vectorWitness(b.executionWitness ?? { state: [], codes: [], headers: [] }, `${label}.executionWitness`)
      built = {
        newPayloadRequest: newPayloadRequest(block, balRlp, requests),
        witness: { state: w.state, codes: w.codes, headers: w.headers },
        chainConfig: { chainId: BigInt(chainConfig.chainId) },
        publicKeys: decoded.publicKeys,
      }
      const diff = firstDifference(decoded, built)
      if (diff) problems.push(`decoded input differs from the fixture at ${diff}`)
      else if (!equalsBytes(encodeStatelessInputV03(built), bytes)) problems.push("Tessera's encoding of the same input differs from statelessInputBytes")
      check(tally, 'ssz-input', label, problems.length ? problems.join('; ') : undefined)
    } catch (e) {
      check(tally, 'ssz-input', label, (e as Error).message)
    }
    if (expectedOut !== undefined) {
      if (built === undefined) check(tally, 'ssz-output', label, 'no input to hash (ssz-input failed)')
      else {
        const out = encodeStatelessOutputV03(built.newPayloadRequest, guestValid, BigInt(chainConfig.chainId))
        check(tally, 'ssz-output', label, equalsBytes(out, expectedOut) ? undefined : `Tessera's result ${hex(out)} != statelessOutputBytes ${hex(expectedOut)}`)
      }
    }
  }

  // recorder-covers
  try {
    await recorderCovers(label, b, block, expectValid, ctx, tally)
  } catch (e) {
    check(tally, 'recorder-covers', label, `cannot compare: ${(e as Error).message}`)
  }
  known.headers.push(block.header)
  return block.header
}

/** Record the block's witness from the full pre-state and compare it with the vector's (see ZKEVM_CHECKS). */
async function recorderCovers(
  label: string,
  b: ZkevmBlock,
  block: Block,
  expectValid: boolean,
  ctx: { common: Common; known: KnownState; opts: ExecuteOptions; keccak256?: (b: Uint8Array) => Uint8Array },
  tally: ZkevmTally,
): Promise<void> {
  const { common, known, opts } = ctx
  const parent = known.headers[known.headers.length - 1]
  const recorded = await recordWitness({ common, blocks: [block], ancestors: known.headers.slice(-256), preState: known.nodes, keccak256: ctx.keccak256, bn254: opts.bn254 })
  for (const [k, v] of recorded.written) known.nodes.set(k, v)
  if (b.executionWitness !== undefined) {
    const fixture = vectorWitness(b.executionWitness, `${label}.executionWitness`)
    const fixtureItems = new Set([...fixture.state, ...fixture.codes, ...fixture.headers].map(hex))
    const recordedItems = new Set([...recorded.witness.state, ...recorded.witness.codes, ...recorded.witness.headers].map(hex))
    const leftOut = [...fixtureItems].filter((x) => !recordedItems.has(x))
    const added = [...recordedItems].filter((x) => !fixtureItems.has(x))
    let problem: string | undefined
    if (recorded.error !== undefined && expectValid) problem = `the recording run failed: ${(recorded.error as Error).message}`
    else if (leftOut.length > 0) {
      const footprint = await accessListFootprint(common, known.nodes, parent.stateRoot, (b.blockAccessList ?? []) as BALJSONBlockAccessList)
      footprint.add(hex(parent.serialize()))
      const missed = leftOut.filter((x) => footprint.has(x))
      if (missed.length > 0) problem = `the recorder leaves out ${missed.length} item(s) of the fixture's witness that the block touches: ${missed.map((x) => `${x.slice(0, 18)}… (${x.length / 2 - 1} bytes)`).join(', ')}`
      if (missed.length < leftOut.length) tally.notes.push(`${label}: the fixture's witness carries ${leftOut.length - missed.length} item(s) off the block's access paths that the recorder does not record`)
    }
    if (added.length > 0) tally.notes.push(`${label}: the recorder adds ${added.length} item(s) the fixture's witness does not carry`)
    check(tally, 'recorder-covers', label, problem)
  }
}

