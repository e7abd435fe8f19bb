import { shortText } from '../errors/shortText.js'
import { createBlockFromRLP, createBlockHeaderFromRLP, type Block, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { isGuestError } from '../../guest/errors.js'
import { executeStateless, type ExecuteOptions } from '../../guest/execute.js'
import type { ChainConfig, ExecutionWitness } from '../../guest/types.js'
import { witnessSize } from '../witness/codec.js'
import { buildStateFromAlloc, type Alloc } from '../witness/genesis.js'
import { parseHex } from '../witness/hex.js'
import { recordWitness } from '../witness/record.js'
import { chainConfigForNetwork, dropUnlistedBpoForks } from './networks.js'
import { checkZkevmBlock, hasZkevmBlocks, newTally, type CheckCounts, type ZkevmBlock } from './zkevm.js'

/** One BlockchainTests case as found in the fixture JSON (fields Tessera uses). */
export interface BlockchainTestCase {
  network: string
  genesisRLP: string
  blocks: ZkevmBlock[]
  lastblockhash: string
  pre: Alloc
  postState?: Alloc
  postStateHash?: string
  /** EEST fixtures: the network's blob parameters per fork (EIP-7840 shape, hex values); names the forks the chain has. */
  config?: { blobSchedule?: ChainConfig['blobSchedule'] }
}

export interface CaseResult {
  name: string
  passed: boolean
  /** Why it failed, one entry per problem. */
  failures: string[]
  blocks: number
  /** Witness size of the canonical batch. */
  witness?: { nodes: number; codes: number; headers: number; bytes: number }
  /** EIP-8025 stateless vectors (src/conformance/zkevm.ts): per named check, blocks passed and failed. */
  checks?: Record<string, CheckCounts>
  /** Observations that are not failures (what the recorder adds to a vector's witness, …). */
  notes?: string[]
  /** The test's network (fork or transition name). */
  network?: string
}

interface KnownBlock {
  index: number
  rlp: Uint8Array
  hash: string
  parent: string
  valid: boolean
}

/** Hash and parent of a block from its raw RLP, without trusting it to decode as a valid block. */
function peekBlock(rlp: Uint8Array): { hash: string; parent: string } | undefined {
  try {
    const decoded = RLP.decode(rlp) as unknown
    if (!Array.isArray(decoded) || !Array.isArray(decoded[0])) return undefined
    const header = decoded[0] as Uint8Array[]
    return { hash: bytesToHex(keccak_256(RLP.encode(header))), parent: bytesToHex(header[0] as Uint8Array) }
  } catch {
    return undefined
  }
}

const UNCLE_DEPTH = 8

/**
 * Run one EF BlockchainTests case through the stateless path:
 *  1. the canonical chain (genesis -> lastblockhash) as one batch: witness recorded from `pre`, then the guest
 *     re-executes from the witness alone and must reach the expected post-state root and last block hash;
 *  2. every other valid block (side chains) in a batch of up to 8 trailing blocks: must be accepted;
 *  3. every block with `expectException` in such a batch: the guest must reject it with a typed error.
 */
export async function runBlockchainTest(name: string, test: BlockchainTestCase, opts: ExecuteOptions = {}): Promise<CaseResult> {
  const failures: string[] = []
  const result: CaseResult = { name, passed: false, failures, blocks: test.blocks.length, network: test.network }
  let chainConfig: ChainConfig
  let common: Common
  const crypto = guestCrypto(opts.crypto)
  try {
    chainConfig = chainConfigForNetwork(test.network)
    const blobSchedule = test.config?.blobSchedule
    if (blobSchedule !== undefined) {
      chainConfig.blobSchedule = { ...chainConfig.blobSchedule, ...blobSchedule }
      dropUnlistedBpoForks(chainConfig, blobSchedule)
    }
    common = commonFromChainConfig(chainConfig, crypto)
  } catch (e) {
    failures.push(shortText(String((e as Error).message)))
    return result
  }
  const genesis = createBlockFromRLP(parseHex(test.genesisRLP, 'genesisRLP'), { common, setHardfork: true })
  const { nodes, stateRoot } = await buildStateFromAlloc(test.pre, common.copy())
  if (!equalsBytes(stateRoot, genesis.header.stateRoot)) {
    failures.push(`pre-state root ${bytesToHex(stateRoot)} != genesis stateRoot ${bytesToHex(genesis.header.stateRoot)}`)
    return result
  }
  if (hasZkevmBlocks(test.blocks)) {
    // EIP-8025 vectors: a linear chain, each block checked against its own witness (src/conformance/zkevm.ts).
    const tally = newTally()
    const known = { nodes: new Map(nodes), headers: [genesis.header] }
    for (const [i, b] of test.blocks.entries()) {
      const parent = known.headers[known.headers.length - 1]
      const peek = peekBlock(parseHex(b.rlp, `blocks[${i}].rlp`))
      if (peek?.parent !== bytesToHex(parent.hash())) {
        failures.push(`block #${i}: not a child of the previous block (stateless vectors are linear chains)`)
        break
      }
      await checkZkevmBlock(i, b, { common, chainConfig, known, opts, keccak256: crypto.keccak256 }, tally)
    }
    failures.push(...tally.failures)
    result.checks = tally.checks
    result.notes = tally.notes
    const last = known.headers[known.headers.length - 1]
    if (bytesToHex(last.hash()) !== test.lastblockhash.toLowerCase()) failures.push(`last block hash ${bytesToHex(last.hash())} != ${test.lastblockhash}`)
    if (test.postState !== undefined) {
      const expected = (await buildStateFromAlloc(test.postState, common.copy())).stateRoot
      if (!equalsBytes(expected, last.stateRoot)) failures.push(`post state root ${bytesToHex(expected)} != last header's ${bytesToHex(last.stateRoot)}`)
    }
    result.passed = failures.length === 0
    return result
  }
  const genesisHash = bytesToHex(genesis.hash())
  const headers = new Map<string, BlockHeader>([[genesisHash, genesis.header]])
  const decoded = new Map<string, Block>()
  const known: KnownBlock[] = []
  for (const [index, b] of test.blocks.entries()) {
    let rlp: Uint8Array
    try {
      rlp = parseHex(b.rlp, `blocks[${index}].rlp`)
    } catch {
      rlp = new Uint8Array()
    }
    const peek = peekBlock(rlp)
    known.push({ index, rlp, hash: peek?.hash ?? `invalid-${index}`, parent: peek?.parent ?? '', valid: b.expectException === undefined })
  }
  const byHash = new Map(known.filter((k) => k.valid).map((k) => [k.hash, k]))
  const path = (k: KnownBlock): KnownBlock[] | undefined => {
    const out = [k]
    let parent = k.parent
    while (parent !== genesisHash) {
      const p = byHash.get(parent)
      if (p === undefined || out.length > test.blocks.length) return undefined
      out.unshift(p)
      parent = p.parent
    }
    return out
  }
  const decode = (k: KnownBlock): Block => {
    let b = decoded.get(k.hash)
    if (b === undefined) {
      b = createBlockFromRLP(k.rlp, { common, setHardfork: true })
      decoded.set(k.hash, b)
      headers.set(k.hash, b.header)
    }
    return b
  }
  const ancestorsOf = (firstParent: string): BlockHeader[] => {
    const out: BlockHeader[] = []
    let h = headers.get(firstParent)
    while (h !== undefined && out.length < 257) {
      out.unshift(h)
      h = h.number === 0n ? undefined : headers.get(bytesToHex(h.parentHash))
    }
    return out
  }

  const genesisWitness = (): ExecutionWitness => {
    const root = nodes.get(bytesToHex(genesis.header.stateRoot).slice(2))
    return { state: root ? [root] : [], codes: [], keys: [], headers: [genesis.header.serialize()] }
  }

  // Record over the union of every node seen so far: content-addressed, so one map serves every state root.
  const allNodes = new Map(nodes)
  const runBatch = async (batch: KnownBlock[], expectValid: boolean, label: string) => {
    const blocks = batch.map(decode)
    const ancestors = ancestorsOf(batch[0].parent)
    const recorded = await recordWitness({ common, blocks, ancestors, preState: allNodes, keccak256: crypto.keccak256, bn254: opts.bn254, blake2f: opts.blake2f })
    for (const [k, v] of recorded.written) allNodes.set(k, v)
    if (expectValid && recorded.error !== undefined) {
      failures.push(`${label}: recording run failed: ${shortText(String((recorded.error as Error).message))}`)
      return undefined
    }
    return runGuest(batch.map((b) => b.rlp), recorded.witness, chainConfig, opts, label, expectValid, failures)
  }

  // 1. Canonical chain.
  const last = test.lastblockhash.toLowerCase()
  const canonical = last === genesisHash ? [] : byHash.has(last) ? path(byHash.get(last)!) : undefined
  if (canonical === undefined) {
    failures.push(`lastblockhash ${last} is not reachable from genesis through valid blocks`)
    return result
  }
  const expectedRoot = test.postState !== undefined ? (await buildStateFromAlloc(test.postState, common.copy())).stateRoot : parseHex(test.postStateHash, 'postStateHash')
  if (canonical.length === 0) {
    if (!equalsBytes(expectedRoot, stateRoot)) failures.push('post state differs from genesis state with no canonical blocks')
  } else {
    const out = await runBatch(canonical, true, 'canonical chain')
    if (out !== undefined) {
      result.witness = out.witness
      if (!equalsBytes(out.finalStateRoot, expectedRoot)) {
        failures.push(`final state root ${bytesToHex(out.finalStateRoot)} != expected ${bytesToHex(expectedRoot)}`)
      }
      if (bytesToHex(out.lastBlockHash) !== last) failures.push(`last block hash ${bytesToHex(out.lastBlockHash)} != ${last}`)
    }
  }
  // 2 and 3. Side-chain valid blocks and invalid blocks, in file order (parents come first).
  const onCanonical = new Set(canonical.map((k) => k.hash))
  for (const k of known) {
    if (k.valid && onCanonical.has(k.hash)) continue
    const label = `block #${k.index}${k.valid ? ' (side chain)' : ` (expectException ${test.blocks[k.index].expectException})`}`
    const parentPath = k.parent === genesisHash ? [] : byHash.has(k.parent) ? path(byHash.get(k.parent)!) : undefined
    if (parentPath === undefined) {
      if (k.valid) {
        failures.push(`${label}: parent is not a known valid block`)
        continue
      }
      // Undecodable, or its parent is unknown (itself invalid): the guest gets the block with the genesis
      // state as witness and must still reject it (bad RLP, or a parent that is not in the witness).
      await runGuest([k.rlp], genesisWitness(), chainConfig, opts, label, false, failures)
      continue
    }
    const batch = [...parentPath.slice(-(UNCLE_DEPTH - 1)), k]
    if (!k.valid) {
      // The recording run needs the batch's blocks decoded; an undecodable invalid block goes to the guest as is.
      let decodable = true
      try {
        decode(k)
      } catch {
        decodable = false
      }
      if (!decodable) {
        const prefix = batch.slice(0, -1)
        const witness = prefix.length > 0
          ? (await recordWitness({ common, blocks: prefix.map(decode), ancestors: ancestorsOf(prefix[0].parent), preState: allNodes, keccak256: crypto.keccak256, bn254: opts.bn254, blake2f: opts.blake2f })).witness
          : genesisWitness()
        await runGuest(batch.map((b) => b.rlp), witness, chainConfig, opts, label, false, failures)
        continue
      }
    }
    await runBatch(batch, k.valid, label)
  }
  result.passed = failures.length === 0
  return result
}

async function runGuest(
  blocks: Uint8Array[],
  witness: ExecutionWitness,
  chainConfig: ChainConfig,
  opts: ExecuteOptions,
  label: string,
  expectValid: boolean,
  failures: string[],
) {
  try {
    const out = await executeStateless({ blocks, witness, chainConfig }, opts)
    if (!expectValid) {
      failures.push(`${label}: accepted by the guest but should be rejected`)
      return undefined
    }
    return { ...out, witness: witnessSize(witness) }
  } catch (e) {
    if (!isGuestError(e)) {
      failures.push(`${label}: untyped error from the guest: ${(e as Error)?.stack ?? String(e)}`)
    } else if (expectValid) {
      failures.push(`${label}: ${shortText(String(e.message))}`)
    }
    return undefined
  }
}
