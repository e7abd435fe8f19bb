import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createBlockFromRLP, createBlockHeaderFromRLP, type Block, type BlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { NodeStore } from '../../guest/state.js'
import type { ProgramInput } from '../../guest/types.js'
import type { BlockchainTestCase } from '../../src/conformance/case.js'
import { chainConfigForNetwork } from '../../src/conformance/networks.js'
import { cacheFileToProgramInput, readCacheFile } from '../../src/witness/cache.js'
import { readInputs } from '../../src/witness/formats/read.js'
import { resolveInput } from '../../src/witness/formats/resolve.js'
import { buildStateFromAlloc } from '../../src/witness/genesis.js'
import { parseHex } from '../../src/witness/hex.js'
import { recordWitness } from '../../src/witness/record.js'

/**
 * The fixed benchmark block set, shared by the `guest` and `replay` suites: the Hoodi cache block, the four
 * bundled devnet batches, and a fixed list of EF BlockchainTests cases (canonical chain of each case as one
 * batch, witness recorded from the case's `pre` state the way src/conformance/case.ts does). Built once per
 * process, never timed.
 *
 * Every entry also carries what a *stateful* executor needs to run the same blocks: the full pre-state trie
 * nodes (EF: every node of `pre`; Hoodi/devnet: the witness nodes themselves, a partial trie that covers
 * every read of those blocks) and the ancestor headers.
 */

/** Repository root, from bench/suites (sources) or dist/bench/suites (compiled). */
const REPO_ROOT = [resolve(fileURLToPath(new URL('.', import.meta.url)), '../..'), resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')].find(
  (p) => existsSync(resolve(p, 'package.json')) && existsSync(resolve(p, 'fixtures/devnet')),
) ?? process.cwd()

/** The shared fixtures (EF tests, replay caches), as test/support/fixtures.ts: TESSERA_FIXTURES or <repo>/../shared/fixtures. */
export function sharedFixtures(): string {
  return process.env.TESSERA_FIXTURES ?? resolve(REPO_ROOT, '../shared/fixtures')
}

export type EntrySource = 'hoodi' | 'devnet' | 'ef' | 'real' | 'file'

/**
 * What dominates a batch's execution, for the per-kind breakdown of the guest suite:
 *  - real chain:    the Hoodi mainnet-like block (zk-verifier transactions, BN254 precompiles, real state);
 *  - crypto-heavy:  many signed transactions doing little (signature recovery, tx/receipt trie hashing):
 *                   the devnet batches and the EIP-1559 load cases;
 *  - storage-heavy: SSTORE/SLOAD, CREATE/CREATE2, SELFDESTRUCT, balance/code reads across accounts;
 *  - EVM-heavy:     interpreter loops, calls, arithmetic, memory, transient storage.
 * Chosen by hand per case from what the case's code does, fixed with the set.
 */
export type BlockKind = 'EVM-heavy' | 'storage-heavy' | 'crypto-heavy' | 'real chain'
export const BLOCK_KINDS: BlockKind[] = ['EVM-heavy', 'storage-heavy', 'crypto-heavy', 'real chain']

export interface BlockSetEntry {
  label: string
  source: EntrySource
  kind: BlockKind
  input: ProgramInput
  /** Sum of the blocks' header gasUsed. */
  gas: bigint
  blocks: number
  transactions: number
  /** For a stateful run: full (or, for Hoodi/devnet, witness-partial) pre-state keyed like guest NodeStore. */
  preState: Map<string, Uint8Array>
  /** The file the entry was read from, when it came from one witness file (cold runs start a process on it). */
  file?: string
  /** Ancestor headers, oldest first, ending at the first block's parent. */
  ancestors: BlockHeader[]
}

/**
 * EF cases of the set: [path under BlockchainTests, case-name filter or undefined for every case in the file].
 * Chosen by hand once, then fixed, so runs are comparable:
 *  - ValidBlocks/bcExample: every case;
 *  - ValidBlocks/bcEIP1559: the cases with real transaction load (lowDemand/medDemand/tips are 90 near-empty
 *    blocks and are left out);
 *  - ValidBlocks/bcStateTests: every case except testOpcode_* (240 cases of 10 Mgas each spent by one invalid
 *    opcode: no work, they would inflate Mgas/s) and except the < 100 kgas ones;
 *  - GeneralStateTests: five heavy single-block cases (10-33 Mgas: CREATE2 recursion, transient storage,
 *    shifts, 50k calls, CREATE collisions), kept to five so a full run stays within a few minutes.
 *    static_Call50000_ecrec (34 Mgas of ecrecover precompile, ~11k recoveries) is left out: with noble
 *    crypto it alone takes ~25 s, and it would turn the comparison into an ecrecover benchmark.
 */
export const EF_CASES: [string, string | undefined, BlockKind][] = [
  ['ValidBlocks/bcExample/basefeeExample.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcExample/mergeExample.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcExample/optionsTest.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcExample/shanghaiExample.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcEIP1559/besuBaseFeeBug.json', undefined, 'crypto-heavy'],
  ['ValidBlocks/bcEIP1559/burnVerify.json', undefined, 'crypto-heavy'],
  ['ValidBlocks/bcEIP1559/highDemand.json', undefined, 'crypto-heavy'],
  ['ValidBlocks/bcEIP1559/intrinsic.json', undefined, 'crypto-heavy'],
  ['ValidBlocks/bcEIP1559/transType.json', undefined, 'crypto-heavy'],
  ['ValidBlocks/bcStateTests/randomStatetest324.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcStateTests/refundReset.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/logRevert.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcStateTests/suicideStorageCheck.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/suicideStorageCheckVCreate.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/suicideStorageCheckVCreate2.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/extcodehashEmptySuicide.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/blockhashTests.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcStateTests/extCodeHashOfDeletedAccountDynamic.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/multimpleBalanceInstruction.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/extCodeHashOfDeletedAccount.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/create2collisionwithSelfdestructSameBlock.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/selfdestructBalance.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/OOGStateCopyContainingDeletedContract.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/BLOCKHASH_Bounds.json', undefined, 'EVM-heavy'],
  ['ValidBlocks/bcStateTests/suicideThenCheckBalance.json', undefined, 'storage-heavy'],
  ['ValidBlocks/bcStateTests/random.json', undefined, 'EVM-heavy'],
  ['GeneralStateTests/stCreate2/Create2Recursive.json', 'Create2Recursive_d0g0v0_Cancun', 'storage-heavy'],
  ['GeneralStateTests/Cancun/stEIP1153-transientStorage/15_tstoreCannotBeDosd.json', undefined, 'EVM-heavy'],
  ['GeneralStateTests/stStaticCall/static_Call50000.json', 'static_Call50000_d1g0v0_Cancun', 'EVM-heavy'],
  ['GeneralStateTests/stShift/shiftSignedCombinations.json', undefined, 'EVM-heavy'],
  ['GeneralStateTests/stSystemOperationsTest/CreateHashCollision.json', undefined, 'storage-heavy'],
]

/**
 * EF cases of the quick set (`--quick`): one or two per kind, heavy enough that the interpreter and state
 * layer dominate, light enough that a quick guest run stays around a minute. static_Call50000 (the set's
 * heaviest, ~20 Mgas of calls) is left to full runs.
 */
export const QUICK_EF_CASES = new Set([
  'basefeeExample',
  'burnVerify',
  'refundReset',
  'randomStatetest324',
  'logRevert',
  'suicideStorageCheck',
  'Create2Recursive',
  '15_tstoreCannotBeDosd',
  'shiftSignedCombinations',
  'CreateHashCollision',
])

export interface BlockSetOptions {
  /** Keep only these sources (default all). */
  sources?: EntrySource[]
  /** Only the EF cases of QUICK_EF_CASES. */
  quick?: boolean
  /** Keep at most this many entries (after source filtering, in set order). */
  maxEntries?: number
  log?: (line: string) => void
}

function summarise(input: ProgramInput): { gas: bigint; blocks: number; transactions: number } {
  const common = commonFromChainConfig(input.chainConfig, guestCrypto())
  const blocks = input.blocks.map((b) => createBlockFromRLP(b, { common, setHardfork: true }))
  return { gas: blocks.reduce((g, b) => g + b.header.gasUsed, 0n), blocks: blocks.length, transactions: blocks.reduce((n, b) => n + b.transactions.length, 0) }
}

/** A ready ProgramInput as an entry: the witness nodes are the stateful run's (partial) pre-state. */
function programEntry(input: ProgramInput, source: EntrySource, label: string, kind: BlockKind): BlockSetEntry {
  const common = commonFromChainConfig(input.chainConfig, guestCrypto())
  const ancestors = input.witness.headers
    .map((raw) => createBlockHeaderFromRLP(raw, { common, setHardfork: true, skipConsensusFormatValidation: true }))
    .sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
  const preState = NodeStore.fromWitness(input.witness.state, input.witness.codes, keccak_256).contents()
  return { label, source, kind, input, ...summarise(input), preState, ancestors }
}

async function cacheEntry(path: string, source: EntrySource, label: string, kind: BlockKind): Promise<BlockSetEntry> {
  return programEntry(cacheFileToProgramInput(await readCacheFile(path)), source, label, kind)
}

/**
 * Entries from witness files of any shape `replay file` reads (`tessera bench --blocks FILE...`): each input
 * the files hold, resolved as `replay file` resolves it. An input the bench cannot run (no parent header,
 * an L2 batch, unreadable) is an error naming the file: a benchmark silently missing a block would mislead.
 */
export async function fileEntries(paths: string[], opts: { trustPreStateRoot?: boolean; source?: EntrySource } = {}): Promise<BlockSetEntry[]> {
  const grouped = await readInputs(paths)
  if (grouped.errors.length > 0) {
    const { file, error } = grouped.errors[0]!
    throw new Error(`bench --blocks: ${file}: ${(error as Error)?.message ?? String(error)}`)
  }
  if (grouped.l2.length > 0) throw new Error(`bench --blocks: ${grouped.l2[0]!.file}: L2 batch files are not benchmarked against a stateful VM (ethereumjs cannot decode privileged transactions)`)
  const out: BlockSetEntry[] = []
  for (const loaded of grouped.inputs) {
    const resolved = await resolveInput(loaded, { trustPreStateRoot: opts.trustPreStateRoot })
    const first = resolved.blocks[0]!.header.number
    const last = resolved.blocks[resolved.blocks.length - 1]!.header.number
    const name = basename(loaded.files[0]!)
    const label = `${name} ${first === last ? first : `${first}-${last}`}`
    if (resolved.anchor === 'unanchored') throw new Error(`bench --blocks: ${loaded.files.join(' + ')}: no parent header (the stateful VM needs one); give a file that carries it`)
    out.push({ ...programEntry(resolved.program, opts.source ?? 'file', label, 'real chain'), ...(loaded.files.length === 1 ? { file: loaded.files[0] } : {}) })
  }
  return out
}

/**
 * The built-in real-chain set (`tessera bench --suite guest --set real`): every real L1 block in the shared
 * fixtures that runs to a verdict of "valid" on its own (see ../shared/fixtures/real/README.md). Left out:
 * zk-pig 22188088 (incomplete by design: its producer drops a sibling node), SBV 0x2ba60c and geth-keeper
 * (no parent header / incomplete), SBV 0x2caa27 (0 gas), besu-zevm (devnet chain config not given).
 */
export const REAL_CHAIN_FILES = [
  'replay/cache_hoodi_1265656.json',
  'real/ethrex-replay-2025/cache_3990967.json',
  'real/ethrex-replay-2025/cache_690403.json',
  'real/ethrex-replay-2025/cache_hoodi_974567.json',
]

export async function loadRealChainSet(log?: (line: string) => void): Promise<BlockSetEntry[]> {
  const paths = REAL_CHAIN_FILES.map((f) => resolve(sharedFixtures(), f))
  const missing = paths.filter((p) => !existsSync(p))
  if (missing.length > 0) log?.(`real-chain set: ${missing.length} file(s) missing under ${sharedFixtures()} (set TESSERA_FIXTURES): ${missing.join(', ')}`)
  const present = paths.filter((p) => existsSync(p))
  if (present.length === 0) throw new Error(`real-chain set: no fixture found under ${sharedFixtures()}`)
  const out: BlockSetEntry[] = []
  for (const p of present) out.push(...(await fileEntries([p], { source: 'real' })))
  return out
}

/** The canonical chain of one EF case as a ProgramInput, witness recorded from `pre` as case.ts does. */
export async function efCaseEntry(name: string, test: BlockchainTestCase, kind: BlockKind = 'EVM-heavy'): Promise<BlockSetEntry> {
  const chainConfig = chainConfigForNetwork(test.network)
  const crypto = guestCrypto()
  const common = commonFromChainConfig(chainConfig, crypto)
  const genesis = createBlockFromRLP(parseHex(test.genesisRLP, 'genesisRLP'), { common, setHardfork: true })
  const { nodes, stateRoot } = await buildStateFromAlloc(test.pre, common.copy())
  if (!equalsBytes(stateRoot, genesis.header.stateRoot)) throw new Error(`${name}: pre-state root does not match genesis`)
  // Canonical chain: follow parent hashes back from lastblockhash through the valid blocks.
  const byHash = new Map<string, { rlp: Uint8Array; block: Block }>()
  for (const b of test.blocks) {
    if (b.expectException !== undefined) continue
    const rlp = parseHex(b.rlp, 'block rlp')
    const block = createBlockFromRLP(rlp, { common, setHardfork: true })
    byHash.set(bytesToHex(block.hash()), { rlp, block })
  }
  const chain: { rlp: Uint8Array; block: Block }[] = []
  let cursor = test.lastblockhash.toLowerCase()
  const genesisHash = bytesToHex(genesis.hash())
  while (cursor !== genesisHash) {
    const k = byHash.get(cursor)
    if (k === undefined || chain.length > test.blocks.length) throw new Error(`${name}: lastblockhash not reachable from genesis`)
    chain.unshift(k)
    cursor = bytesToHex(k.block.header.parentHash)
  }
  if (chain.length === 0) throw new Error(`${name}: no canonical blocks`)
  const ancestors = [genesis.header]
  const recorded = await recordWitness({ common, blocks: chain.map((c) => c.block), ancestors, preState: nodes, keccak256: crypto.keccak256 })
  if (recorded.error !== undefined) throw new Error(`${name}: recording run failed: ${(recorded.error as Error).message}`)
  const input: ProgramInput = { blocks: chain.map((c) => c.rlp), witness: recorded.witness, chainConfig }
  return {
    label: name,
    source: 'ef',
    kind,
    input,
    gas: chain.reduce((g, c) => g + c.block.header.gasUsed, 0n),
    blocks: chain.length,
    transactions: chain.reduce((n, c) => n + c.block.transactions.length, 0),
    preState: nodes,
    ancestors,
  }
}

async function efEntries(opts: BlockSetOptions, limit: number): Promise<BlockSetEntry[]> {
  const root = resolve(sharedFixtures(), 'ethereum-tests/BlockchainTests')
  const out: BlockSetEntry[] = []
  for (const [file, only, kind] of EF_CASES) {
    if (out.length >= limit) break
    if (opts.quick && !QUICK_EF_CASES.has(file.split('/').pop()!.replace(/\.json$/, ''))) continue
    const json = JSON.parse(await readFile(resolve(root, file), 'utf8')) as Record<string, BlockchainTestCase>
    for (const [name, test] of Object.entries(json)) {
      if (out.length >= limit) break
      if (only !== undefined && name !== only) continue
      if (test.network !== 'Cancun') continue
      out.push(await efCaseEntry(`${file.split('/').pop()!.replace(/\.json$/, '')}/${name}`, test, kind))
    }
  }
  opts.log?.(`block set: ${out.length} EF case(s) recorded`)
  return out
}

const cache = new Map<string, Promise<BlockSetEntry[]>>()

/**
 * Build (once per process and options) the benchmark block set. Order: Hoodi, devnet batches, EF cases.
 */
export function loadBlockSet(opts: BlockSetOptions = {}): Promise<BlockSetEntry[]> {
  const key = JSON.stringify({ s: opts.sources, m: opts.maxEntries, q: opts.quick === true, f: sharedFixtures() })
  let p = cache.get(key)
  if (p === undefined) {
    p = buildBlockSet(opts)
    cache.set(key, p)
    p.catch(() => cache.delete(key))
  }
  return p
}

async function buildBlockSet(opts: BlockSetOptions): Promise<BlockSetEntry[]> {
  const sources = opts.sources ?? ['hoodi', 'devnet', 'ef']
  const limit = opts.maxEntries ?? Infinity
  const out: BlockSetEntry[] = []
  if (sources.includes('hoodi') && out.length < limit) {
    const path = resolve(sharedFixtures(), 'replay/cache_hoodi_1265656.json')
    if (existsSync(path)) out.push(await cacheEntry(path, 'hoodi', 'hoodi 1265656', 'real chain'))
    else opts.log?.(`block set: ${path} missing (set TESSERA_FIXTURES), Hoodi block skipped`)
  }
  if (sources.includes('devnet')) {
    const dir = resolve(REPO_ROOT, 'fixtures/devnet')
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort((a, b) => Number(/_(\d+)-/.exec(a)?.[1] ?? 0) - Number(/_(\d+)-/.exec(b)?.[1] ?? 0))
    for (const f of files) {
      if (out.length >= limit) break
      out.push(await cacheEntry(resolve(dir, f), 'devnet', `devnet ${f.replace(/^cache_|\.json$/g, '')}`, 'crypto-heavy'))
    }
  }
  if (sources.includes('ef') && out.length < limit) {
    if (existsSync(resolve(sharedFixtures(), 'ethereum-tests/BlockchainTests'))) out.push(...(await efEntries(opts, limit - out.length)))
    else opts.log?.('block set: EF BlockchainTests missing (set TESSERA_FIXTURES), EF cases skipped')
  }
  if (out.length === 0) throw new Error('benchmark block set is empty: no fixtures found')
  return out
}

const SOURCE_NAMES: Record<EntrySource, string> = { hoodi: 'Hoodi', devnet: 'devnet', ef: 'EF', real: 'real-chain', file: 'from --blocks' }

/** One-line description of a set. */
export function describeBlockSet(entries: BlockSetEntry[]): string {
  const count = (s: EntrySource) => entries.filter((e) => e.source === s).length
  const gas = entries.reduce((g, e) => g + e.gas, 0n)
  const blocks = entries.reduce((n, e) => n + e.blocks, 0)
  const txs = entries.reduce((n, e) => n + e.transactions, 0)
  const parts = (['hoodi', 'devnet', 'ef', 'real', 'file'] as EntrySource[]).filter((s) => count(s) > 0).map((s) => `${count(s)} ${SOURCE_NAMES[s]}`)
  return `${entries.length} batches (${parts.join(', ')}), ${blocks} blocks, ${txs} txs, ${(Number(gas) / 1e6).toFixed(1)} Mgas`
}
