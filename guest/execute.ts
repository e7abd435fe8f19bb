import { createBlockFromRLP, type Block, type BlockHeader } from '@ethereumjs/block'
import type { Common, CustomCrypto } from '@ethereumjs/common'
import { NobleBN254, type EVM, type EVMBN254Interface } from '@ethereumjs/evm'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { createVM, runBlock, type VM } from '@ethereumjs/vm'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { checkForksKnown, commonFromChainConfig } from './chain.js'
import { BlockScopedCommon, EVM_AND_VM_PARAMS } from './common.js'
import { guestCrypto } from './crypto.js'
import { BlockInvalid, WitnessIncomplete, isGuestError } from './errors.js'
import { AncestorChain } from './headers.js'
import { FlatStateManager } from './flatState.js'
import { FlatTransientStorage } from './transientStorage.js'
import { observeExecution, type ExecutionObserver } from './observer.js'
import { CachedOpcodeTablesEVM } from './opcodeTables.js'
import { orderedTrieRoot } from './orderedTrie.js'
import { readCodeLikeTheSpecs } from './specReads.js'
import { NodeStore, createStateManager, type WitnessStateManager } from './state.js'
import { withCheckedSystemCalls } from './systemCalls.js'
import { installBlake2f, type Blake2fKernel } from './blake2f.js'
import type { ProgramInput, ProgramOutput } from './types.js'
import { ethCheck, validateHeaderAgainstParent, validateUncles } from './validate.js'

const SYSTEM_ADDRESS = '0xfffffffffffffffffffffffffffffffffffffffe'

export interface ExecuteOptions {
  /** Host-provided keccak256/ecrecover (e.g. the native addon). KZG is added if absent. */
  crypto?: CustomCrypto
  /** BN254 (alt_bn128) precompiles 0x06-0x08; default @noble/curves. The host may pass a faster one. */
  bn254?: EVMBN254Interface
  /** BLAKE2F (0x09) compression kernel; default @ethereumjs/evm's JS. The host may pass the native one. */
  blake2f?: Blake2fKernel
  /** Told about every transaction executed (type, kind, gas, precompile calls); see guest/observer.ts. */
  observer?: ExecutionObserver
  /** Performance switches, all on by default; the bench turns each off alone to measure it. */
  tuning?: Tuning
}

/** The guest's hot-path changes (see README, Benchmarks). Outputs never depend on them. */
export interface Tuning {
  /** Flat account/storage maps over the witness, tries written once per state root (guest/flatState.ts). */
  flatState?: boolean
  /**
   * With flatState: each state root's changes applied to the tries in one batch, every changed node hashed
   * once (guest/trieWriter.ts), instead of key by key through @ethereumjs/mpt.
   */
  batchedTrieWrites?: boolean
  /**
   * EIP activation and gas parameters resolved once per block, not per step, and the parameter sets of the
   * tx/block/EVM/VM packages merged once, not per transaction and header constructed (guest/common.ts).
   */
  blockScopedCommon?: boolean
  /**
   * Jump-destination analysis kept per code (one Uint8Array per code hash in the flat state layer) for the
   * whole batch instead of redone on every call: the opt-in cache of patches/@ethereumjs+evm+10.1.3.patch.
   */
  jumpAnalysisCache?: boolean
  /**
   * Opcodes whose gas and handler are synchronous run without a promise and an await per step (the opt-in
   * `evm.syncSteps` of the patch); async ones (state reads, calls) are awaited as before.
   */
  syncSteps?: boolean
  /** A call frame's memory starts empty instead of 8 KiB (the patch's opt-in `evm.lazyMemory`). */
  lazyMemory?: boolean
  /**
   * Call results without the merged ~45-field `runState` debugging copy ethereumjs builds per call frame and
   * never reads (the patch's opt-in `evm.leanCallResults`).
   */
  leanCallResults?: boolean
  /**
   * A call or create frame's message copied with Object.assign instead of ethereumjs's object spreads, which
   * hit a slow V8 path (~35 us per call frame on Node 20); same properties, same order (the patch's opt-in
   * `evm.leanCallMessage`).
   */
  leanCallMessage?: boolean
  /**
   * The journal's per-checkpoint diff entries (two per call frame, kept until the end of the transaction)
   * start as one shared empty entry and get their own sets on the first write (the patch's opt-in
   * `journal.leanDiffs`).
   */
  leanJournal?: boolean
  /**
   * Stack words turned into 32-byte keys and memory words in 8-byte limbs instead of @ethereumjs/util's
   * setLengthLeft array spreads, in MSTORE/SLOAD/SSTORE/TLOAD/TSTORE (the patch's opt-in `evm.fastWords`).
   */
  fastWords?: boolean
  /**
   * Jump analysis without a BigInt per PUSH and without a per-byte array of opcode entries: a PUSH's value is read
   * from the code (no hex string) when it first runs and kept in the cached analysis (the patch's opt-in
   * `evm.lazyPushes`).
   */
  lazyPushes?: boolean
  /**
   * A call frame counts its gas in a Number instead of a BigInt reallocated by every step; BigInt at its edges
   * (GAS, calls, the frame's result), and only for frames starting with at most 2^52 gas (the patch's opt-in
   * `evm.numberGas`): ~10 % less allocation, ~2 % less CPU time on the real-chain set.
   */
  numberGas?: boolean
  /** EIP-1153 transient storage with fewer allocations per TSTORE (guest/transientStorage.ts). */
  flatTransientStorage?: boolean
  /**
   * runBlock's `generate` returns the computed roots without recomputing the transaction trie and rebuilding
   * the block (every transaction re-created), which the guest never reads (the vm patch's opt-in
   * `vm.resultsOnly`).
   */
  resultsOnly?: boolean
  /**
   * With flatState: trie nodes read in place from the witness bytes (item offsets, no copied items, each
   * node's children resolved once) and state-root nodes encoded straight into one buffer each
   * (guest/trieView.ts, guest/trieWriter.ts), instead of @ethereumjs/rlp's copied items and nested arrays.
   */
  trieNodeViews?: boolean
  /**
   * Calldata gas and EIP-7623 floor tokens counted in numbers, not with one BigInt addition per calldata byte
   * (the tx patch's opt-in `leanCalldataGas`, a property of the Common the transactions are decoded with).
   */
  leanCalldataGas?: boolean
  /** The EVM's opcode tables built once per fork rule set in the process, not per batch (guest/opcodeTables.ts). */
  opcodeTableCache?: boolean
  /**
   * The transaction, withdrawal and receipt tries' roots built in one pass (guest/orderedTrie.ts) instead of one
   * @ethereumjs/mpt put per item (the block and vm patches' opt-in `orderedTrieRoot` on the Common).
   */
  orderedTries?: boolean
}

const DEFAULT_TUNING: Required<Tuning> = { flatState: true, batchedTrieWrites: true, blockScopedCommon: true, jumpAnalysisCache: true, syncSteps: true, lazyMemory: true, leanCallResults: true, leanCallMessage: true, leanJournal: true, fastWords: true, lazyPushes: true, numberGas: true, flatTransientStorage: true, resultsOnly: true, trieNodeViews: true, leanCalldataGas: true, opcodeTableCache: true, orderedTries: true }

/** Per-batch execution facts the host reports; not part of the proven output. */
export interface BatchStats {
  gasUsed: bigint
  transactionCount: bigint
  blockCount: number
}

/** What running one block yields: the values its header commits to. */
export interface BlockRunOutcome {
  gasUsed: bigint
  receiptsRoot: Uint8Array
  logsBloom: Uint8Array
  stateRoot: Uint8Array
  requestsHash?: Uint8Array
  /** EIP-7928 (Amsterdam): the access list execution produced; its hash must match the header's. */
  blockLevelAccessList?: { hash(): Uint8Array }
}

/**
 * How a block's body is checked and its transactions run: the one place where L1 and ethrex L2 execution
 * differ (privileged transactions, fee vaults, no system calls). Header rules, the witness state and every
 * post-check stay shared. Default: L1, ethereumjs runBlock.
 */
export interface BlockRunner {
  /** Adjust the VM once before the first block (e.g. chain-specific precompiles). */
  prepare?(vm: VM): void
  /** `parent` is undefined in an unanchored run (no parent header): checks against it are skipped. */
  validateBody(block: Block, parent: BlockHeader | undefined): Promise<void>
  run(vm: VM, block: Block): Promise<BlockRunOutcome>
}

/**
 * EIP-7934 (Osaka): an execution block whose RLP encoding exceeds MAX_BLOCK_SIZE - SAFETY_MARGIN =
 * 10,485,760 - 2,097,152 bytes is invalid. ethereumjs 10.1.3 does not list EIP-7934 among Osaka's EIPs
 * (common/dist/esm/hardforks.js), so its own size check never runs: Tessera applies it.
 */
const MAX_RLP_BLOCK_SIZE = 10_485_760 - 2_097_152

export const L1_BLOCK_RUNNER: BlockRunner = {
  async validateBody(block, parent) {
    const header = block.header
    if (header.common.gteHardfork('osaka')) {
      const size = block.serialize().length
      if (size > MAX_RLP_BLOCK_SIZE) throw new BlockInvalid(header.number, 'block RLP size (EIP-7934)', { expected: `<= ${MAX_RLP_BLOCK_SIZE}`, actual: String(size) })
    }
    await ethCheck(header, 'block body (transactions, tx trie, uncle hash, withdrawals root)', () => block.validateData(false, true, true))
    if (parent) await ethCheck(header, 'blob gas', () => block.validateBlobTransactions(parent))
  },
  // `generate: true` makes runBlock return the computed roots instead of comparing them itself, so every
  // post-check reports a typed BlockInvalid with expected and actual values.
  run: (vm, block) =>
    withCheckedSystemCalls(vm, block, () => runBlock(vm, { block, generate: true, skipBlockValidation: true, skipHeaderValidation: true, setHardfork: true })),
}

export function decodeBlocks(raw: Uint8Array[], common: Common): Block[] {
  if (raw.length === 0) throw new BlockInvalid(undefined, 'batch', { reason: 'no blocks to execute' })
  return raw.map((rlp, i) => {
    try {
      return createBlockFromRLP(rlp, { common, setHardfork: true })
    } catch (e) {
      throw new BlockInvalid(undefined, `decode (blocks[${i}])`, { reason: (e as Error).message })
    }
  })
}

/**
 * Validate and execute consecutive blocks over `store`, starting from the chain's tip state. Shared by the
 * guest (store = witness nodes) and the witness recorder (store = full pre-state that records reads), so the
 * recorder sees exactly the reads the guest will make.
 */
export async function executeBlocks(
  common: Common,
  blocks: Block[],
  chain: AncestorChain,
  store: NodeStore,
  opts: { bn254?: EVMBN254Interface; blake2f?: Blake2fKernel; runner?: BlockRunner; observer?: ExecutionObserver; tuning?: Tuning } = {},
): Promise<{ stateRoot: Uint8Array; stats: BatchStats }> {
  const runner = opts.runner ?? L1_BLOCK_RUNNER
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning }
  // The witness must contain the parent state root node itself (unless the state is empty), even for a
  // batch that reads no state at all: that is what ties the witness to the parent.
  const parentRoot = chain.parentStateRoot
  await store.get(bytesToHex(parentRoot).slice(2)).catch((e: unknown) => {
    if (e instanceof WitnessIncomplete) throw new WitnessIncomplete('node', bytesToHex(parentRoot), 'parent state root')
    throw e
  })
  const stateManager: FlatStateManager | WitnessStateManager = tuning.flatState
    ? new FlatStateManager(common, store, parentRoot, tuning.batchedTrieWrites, tuning.trieNodeViews)
    : createStateManager(common, store, parentRoot)
  const vmCommon = common.copy()
  const blockchain = chain.evmBlockchain() as never
  // What createVM's createEVM would build (10.1.3: noble BN254, no profiler), with cached opcode tables. With a
  // BlockScopedCommon, the EVM's parameters are merged with the VM's, as the VM then does (guest/common.ts).
  const params = vmCommon instanceof BlockScopedCommon ? { params: EVM_AND_VM_PARAMS } : {}
  const evm = tuning.opcodeTableCache
    ? new CachedOpcodeTablesEVM({ common: vmCommon, stateManager, blockchain, bn254: new NobleBN254(), profiler: { enabled: false }, ...params })
    : undefined
  const vm = await createVM({ common: vmCommon, stateManager, blockchain, setHardfork: true, ...(evm && { evm }) })
  // createEVM (10.1.3) overwrites a `bn254` option with its noble default, so set it on the instance.
  if (opts.bn254) (vm.evm as unknown as { _bn254: EVMBN254Interface })._bn254 = opts.bn254
  readCodeLikeTheSpecs(vm.evm as unknown as EVM)
  if (opts.blake2f) installBlake2f(vm.evm as never, opts.blake2f)
  runner.prepare?.(vm)
  if (opts.observer) observeExecution(vm, opts.observer)
  // Opt-in switches of patches/@ethereumjs+evm+10.1.3.patch, set on this VM's EVM only (a plain VM is unchanged).
  const patched = vm.evm as unknown as { jumpAnalysisCache?: Map<Uint8Array, object>; syncSteps?: boolean; lazyMemory?: boolean; leanCallResults?: boolean; leanCallMessage?: boolean; fastWords?: boolean; lazyPushes?: boolean; numberGas?: boolean; journal: { leanDiffs?: boolean } }
  if (tuning.jumpAnalysisCache) patched.jumpAnalysisCache = new Map() // per batch: a plain Map, no ephemeron cost in GC
  patched.syncSteps = tuning.syncSteps
  patched.lazyMemory = tuning.lazyMemory
  patched.leanCallResults = tuning.leanCallResults
  patched.leanCallMessage = tuning.leanCallMessage
  patched.journal.leanDiffs = tuning.leanJournal
  patched.fastWords = tuning.fastWords
  patched.lazyPushes = tuning.lazyPushes
  patched.numberGas = tuning.numberGas
  const patchedVm = vm as unknown as { resultsOnly?: boolean } // patches/@ethereumjs+vm+10.1.3.patch
  patchedVm.resultsOnly = tuning.resultsOnly
  if (tuning.flatTransientStorage) (vm.evm as unknown as { transientStorage: FlatTransientStorage }).transientStorage = new FlatTransientStorage()
  const runCall = vm.evm.runCall.bind(vm.evm)
  vm.evm.runCall = async (opts) => {
    if (stateManager.inTransaction || opts.caller?.toString() !== SYSTEM_ADDRESS) return runCall(opts)
    stateManager.inSystemCall = true
    try {
      return await runCall(opts)
    } finally {
      stateManager.inSystemCall = false
    }
  }
  vm.events.on('beforeTx', () => {
    stateManager.inTransaction = true
  })
  vm.events.on('afterTx', () => {
    stateManager.inTransaction = false
  })
  let gasUsed = 0n
  let transactionCount = 0n
  let stateRoot = chain.parentStateRoot
  for (const block of blocks) {
    const header = block.header
    // Unanchored runs (no parent header, root taken on trust) cannot check the first block against its parent.
    const anchored = chain.hasParentHeader
    if (anchored) await validateHeaderAgainstParent(header, chain.parent)
    await validateUncles(block, chain)
    await runner.validateBody(block, anchored ? chain.parent : undefined)
    // Consensus post-checks are done below with typed errors, so the runner only executes.
    const result = await ethCheck(header, 'execution', () => runner.run(vm, block))
    stateManager.inTransaction = false
    if (result.gasUsed !== header.gasUsed) {
      throw new BlockInvalid(header.number, 'gas used', { expected: String(header.gasUsed), actual: String(result.gasUsed) })
    }
    if (!equalsBytes(result.receiptsRoot, header.receiptTrie)) {
      throw new BlockInvalid(header.number, 'receipts root', { expected: bytesToHex(header.receiptTrie), actual: bytesToHex(result.receiptsRoot) })
    }
    if (!equalsBytes(result.logsBloom, header.logsBloom)) {
      throw new BlockInvalid(header.number, 'logs bloom', { expected: bytesToHex(header.logsBloom), actual: bytesToHex(result.logsBloom) })
    }
    if (header.common.isActivatedEIP(7685)) {
      const got = result.requestsHash
      if (got === undefined || header.requestsHash === undefined || !equalsBytes(got, header.requestsHash)) {
        throw new BlockInvalid(header.number, 'requests hash', {
          expected: header.requestsHash ? bytesToHex(header.requestsHash) : 'none',
          actual: got ? bytesToHex(got) : 'none',
        })
      }
    }
    if (header.common.isActivatedEIP(7928)) {
      // EIP-7928: the header commits to keccak256(rlp(block access list)); the list is what execution touched.
      const got = result.blockLevelAccessList?.hash()
      if (got === undefined || header.blockAccessListHash === undefined || !equalsBytes(got, header.blockAccessListHash)) {
        throw new BlockInvalid(header.number, 'block access list hash', {
          expected: header.blockAccessListHash ? bytesToHex(header.blockAccessListHash) : 'none',
          actual: got ? bytesToHex(got) : 'no access list (the runner does not build one)',
        })
      }
    }
    if (!equalsBytes(result.stateRoot, header.stateRoot)) {
      throw new BlockInvalid(header.number, 'state root', { expected: bytesToHex(header.stateRoot), actual: bytesToHex(result.stateRoot) })
    }
    stateRoot = result.stateRoot
    gasUsed += result.gasUsed
    transactionCount += BigInt(block.transactions.length)
    chain.append(block)
  }
  return { stateRoot, stats: { gasUsed, transactionCount, blockCount: blocks.length } }
}

/**
 * The guest program: re-execute `input.blocks` from the witness alone and return what was proven.
 * Throws WitnessIncomplete / WitnessInvalid / BlockInvalid; never returns for an invalid batch.
 */
export async function executeStateless(input: ProgramInput, opts: ExecuteOptions = {}): Promise<ProgramOutput & { stats: BatchStats }> {
  const crypto = guestCrypto(opts.crypto)
  const keccak256 = crypto.keccak256 ?? keccak_256
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning }
  const common = commonFromChainConfig(input.chainConfig, crypto, { blockScoped: tuning.blockScopedCommon })
  // patches/@ethereumjs+tx+10.1.3.patch; every header and transaction copies the Common with its properties.
  if (tuning.leanCalldataGas) (common as unknown as { leanCalldataGas?: boolean }).leanCalldataGas = true
  // patches/@ethereumjs+block+10.1.3.patch and @ethereumjs+vm: the blocks' and the VM's Commons are copies of this one.
  if (tuning.orderedTries) (common as unknown as { orderedTrieRoot?: (v: Uint8Array[]) => Uint8Array }).orderedTrieRoot = (v) => orderedTrieRoot(v, keccak256)
  const blocks = decodeBlocks(input.blocks, common)
  // The witness headers and the VM copy this Common: starting at the batch's fork, they need not rebuild its
  // caches (and the VM its opcode table) for it. Each header and block still sets its own fork.
  if (tuning.blockScopedCommon) common.setHardfork(blocks[0].header.common.hardfork())
  if (input.chainConfig.publicNetwork === undefined) checkForksKnown(input.chainConfig, blocks.map((b) => b.header))
  for (let i = 1; i < blocks.length; i++) {
    if (!equalsBytes(blocks[i].header.parentHash, blocks[i - 1].hash())) {
      throw new BlockInvalid(blocks[i].header.number, 'parent hash (blocks are not consecutive)', {
        expected: bytesToHex(blocks[i - 1].hash()),
        actual: bytesToHex(blocks[i].header.parentHash),
      })
    }
  }
  const chain =
    input.unanchored !== undefined && input.witness.headers.length === 0
      ? AncestorChain.unanchored(input.unanchored)
      : AncestorChain.fromWitness(input.witness.headers, common, blocks[0].header.parentHash, keccak256, undefined, blocks.map((b) => b.header), input.orderedHeaders)
  const initialStateRoot = chain.parentStateRoot
  const store = NodeStore.fromWitness(input.witness.state, input.witness.codes, keccak256)
  const { stateRoot, stats } = await executeBlocks(common, blocks, chain, store, { bn254: opts.bn254, blake2f: opts.blake2f, observer: opts.observer, tuning: opts.tuning })
  return {
    initialStateRoot,
    finalStateRoot: stateRoot,
    lastBlockHash: blocks[blocks.length - 1].hash(),
    chainId: common.chainId(),
    transactionCount: stats.transactionCount,
    stats,
  }
}

export { isGuestError }
