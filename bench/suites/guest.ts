import { createBlockFromBytesArray, createBlockFromRLP, type Block, type BlockBytes, type BlockHeader } from '@ethereumjs/block'
import { Blockchain, createBlockchain } from '@ethereumjs/blockchain'
import type { Common } from '@ethereumjs/common'
import type { EVMBN254Interface } from '@ethereumjs/evm'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { MapDB, ValueEncoding, bytesToHex } from '@ethereumjs/util'
import { createVM, runBlock } from '@ethereumjs/vm'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { v8FlagsFor } from '../../src/cli/v8flags.js'
import { timeByCategory } from '../categories.js'
import { commonFromChainConfig } from '../../guest/chain.js'
import { guestCrypto } from '../../guest/crypto.js'
import { executeStateless, type ExecuteOptions } from '../../guest/execute.js'
import { hostCrypto, nativeAllowed } from '../../src/crypto/index.js'
import { hostGuestOptions } from '../../src/crypto/guestOptions.js'
import { withoutKeptPoints } from '../../src/crypto/bn254.js'
import { profileCpu } from '../profile.js'
import type { BenchSuite, Measurement, Ratio, SuiteResult } from '../types.js'
import { BLOCK_KINDS, describeBlockSet, fileEntries, loadBlockSet, loadRealChainSet, type BlockSetEntry, type BlockSetOptions, type EntrySource } from './blockset.js'

/**
 * Guest execution throughput, single thread, in Mgas/s over the fixed block set (bench/suites/blockset.ts),
 * four ways measured side by side in one run, block by block interleaved:
 *  - guest-native:      executeStateless with the host's fastest crypto (native addon / npm secp256k1 / hash-wasm)
 *                       and the wasmcurves BN254 precompiles (src/crypto/bn254.ts, src/crypto/guestOptions.ts);
 *  - guest-js:          executeStateless with no host crypto (noble keccak and secp256k1);
 *  - stateful-vm:       plain @ethereumjs/vm, what a TS user would pick instead: MerkleStateManager over an
 *                       in-memory MapDB holding the full pre-state, @ethereumjs/blockchain holding the ancestors
 *                       (runBlock validates the header against its parent through it), runBlock with full block
 *                       validation (header, body, gas used, receipts root, bloom, state root), default crypto;
 *  - stateful-vm-host:  the same stateful VM given the same crypto as guest-native (keccak, ecrecover, sha256,
 *                       BN254), so the ratio against it is the executor alone.
 * Timed: decoding the blocks, building the executor, executing and validating. Not timed: loading fixtures,
 * recording witnesses, copying the pre-state map and building the blockchain object for the stateful run.
 * The guest's timing includes hashing the witness into its node store: that is part of its job.
 *
 * Groups: all blocks, by source (hoodi, devnet, ef), by kind (EVM-heavy, storage-heavy, crypto-heavy, real
 * chain; see BlockKind) and the EVM-heavy EF cases. With `profile`, one more untimed guest-native pass runs
 * under the V8 sampling profiler and the suite reports its top self-time functions.
 */

export type Engine = 'guest-native' | 'guest-js' | 'stateful-vm' | 'stateful-vm-host'
const ENGINES: Engine[] = ['guest-native', 'guest-js', 'stateful-vm', 'stateful-vm-host']

export interface GuestSuiteOptions extends BlockSetOptions {
  /** Benchmark these witness files (any shape `replay file` reads) instead of the fixed set, block by block. */
  files?: string[]
  /** `real`: the built-in real-chain set (bench/suites/blockset.ts REAL_CHAIN_FILES), block by block. */
  set?: 'real'
  /** Timed passes over the set (default 2, quick 1). */
  rounds?: number
  /** Untimed warm-up pass over the light batches of the set (default true; quick: first entry only). */
  fullWarmup?: boolean
}

/** Measurement plus the raw totals behind it. */
type GuestMeasurement = Measurement & { gas: number; seconds: number; blocks: number }

interface StatefulSetup {
  common: Common
  bn254?: EVMBN254Interface
  blockchain: Blockchain | HeaderChain
  parentStateRoot: Uint8Array
  /** How headers are validated against their parents in the stateful run. */
  validation: 'blockchain' | 'blockchain.validateHeader over the witness headers'
}

/** The part of @ethereumjs/blockchain runBlock uses, over headers that do not reach back to genesis. */
interface HeaderChain {
  getBlock(id: number | bigint | Uint8Array): Promise<{ hash(): Uint8Array; header: BlockHeader }>
  validateHeader(header: BlockHeader): Promise<void>
  putBlock(): Promise<void>
  shallowCopy(): HeaderChain
}

/** A body-less block for a header (ancestors only serve BLOCKHASH and parent lookups). */
function headerBlock(header: BlockHeader, common: Common): Block {
  const values: unknown[] = [header.raw(), [], []]
  if (header.withdrawalsRoot !== undefined) values.push([])
  return createBlockFromBytesArray(values as BlockBytes, { common, setHardfork: true })
}

/**
 * @ethereumjs/blockchain needs a chain from genesis (block 0). For a mid-chain batch (the Hoodi block) the
 * witness holds only the recent ancestors, so the headers are served from a map and validated by
 * Blockchain's own validateHeader code, run with those headers as its parent lookup.
 */
function headerChain(headers: BlockHeader[], common: Common): HeaderChain {
  const byHash = new Map(headers.map((h) => [bytesToHex(h.hash()), h]))
  const byNumber = new Map(headers.map((h) => [h.number, h]))
  const lookup = (id: number | bigint | Uint8Array): BlockHeader => {
    const h = id instanceof Uint8Array ? byHash.get(bytesToHex(id)) : byNumber.get(BigInt(id))
    if (h === undefined) throw new Error(`header ${id instanceof Uint8Array ? bytesToHex(id) : id} not available`)
    return h
  }
  const shim = { common, consensus: undefined, _getHeader: async (hash: Uint8Array) => lookup(hash) }
  const chain: HeaderChain = {
    async getBlock(id) {
      const header = lookup(id)
      return { hash: () => header.hash(), header }
    },
    validateHeader: (header) => Blockchain.prototype.validateHeader.call(shim as unknown as Blockchain, header),
    async putBlock() {},
    shallowCopy: () => chain,
  }
  return chain
}

/** `host` undefined: out-of-the-box crypto (nothing but the KZG setup ethereumjs requires for blob txs). */
async function prepareStateful(entry: BlockSetEntry, host?: ExecuteOptions): Promise<StatefulSetup> {
  const common = commonFromChainConfig(entry.input.chainConfig, guestCrypto(host?.crypto))
  const bn254 = host?.bn254
  const blocks = entry.input.blocks.map((raw) => createBlockFromRLP(raw, { common, setHardfork: true }))
  const parentStateRoot = entry.ancestors[entry.ancestors.length - 1]!.stateRoot
  const [first, ...rest] = entry.ancestors
  if (first!.number !== 0n) {
    return { common, bn254, blockchain: headerChain([...entry.ancestors, ...blocks.map((b) => b.header)], common), parentStateRoot, validation: 'blockchain.validateHeader over the witness headers' }
  }
  const blockchain = await createBlockchain({ common, genesisBlock: headerBlock(first!, common), validateBlocks: false, validateConsensus: false })
  for (const h of rest) await blockchain.putBlock(headerBlock(h, common))
  for (const b of blocks) await blockchain.putBlock(b)
  return { common, bn254, blockchain, parentStateRoot, validation: 'blockchain' }
}

async function runStateful(entry: BlockSetEntry, setup: StatefulSetup, state: Map<string, Uint8Array>): Promise<bigint> {
  const { common, blockchain } = setup
  const blocks = entry.input.blocks.map((raw) => createBlockFromRLP(raw, { common, setHardfork: true }))
  const trie = new MerklePatriciaTrie({ db: new MapDB<string, Uint8Array>(state), valueEncoding: ValueEncoding.Bytes, useKeyHashing: true, common })
  trie.root(setup.parentStateRoot)
  const stateManager = new MerkleStateManager({ common, trie, caches: new Caches() })
  const vm = await createVM({ common: common.copy(), stateManager, blockchain: blockchain as Blockchain, setHardfork: true })
  // As the guest does: createEVM (10.1.3) overwrites a `bn254` option with its noble default.
  if (setup.bn254) (vm.evm as unknown as { _bn254: EVMBN254Interface })._bn254 = withoutKeptPoints(setup.bn254)
  let gas = 0n
  // skipBlockValidation left false: gas limit, blockchain.validateHeader (parent, timestamp, gas limit, base
  // fee, blob gas), block.validateData, then receipts root / bloom / gas used / state root after execution.
  for (const block of blocks) gas += (await runBlock(vm, { block, setHardfork: true })).gasUsed
  return gas
}

/**
 * Every timed run gets BN254 precompiles of its own (withoutKeptPoints): a block repeated round after round is
 * measured as a block met for the first time (the wasm module itself stays compiled).
 */
async function runGuest(entry: BlockSetEntry, opts: ExecuteOptions): Promise<bigint> {
  const out = await executeStateless(entry.input, opts.bn254 ? { ...opts, bn254: withoutKeptPoints(opts.bn254) } : opts)
  return out.stats.gasUsed
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** 95% relative margin of error of the mean, in percent (0 for one sample). */
function rme(xs: number[]): number {
  if (xs.length < 2) return 0
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1))
  return Number(((1.96 * sd) / Math.sqrt(xs.length) / mean * 100).toFixed(2))
}

/** Targets of the real-chain bench (measured side by side in one run; README "Performance"). */
export const REAL_CHAIN_TARGETS = { vsStatefulSameCrypto: 3, warmMgasPerSecond: 40, coldOverWarm: 1.5 }

type PerEntry = NonNullable<SuiteResult['perEntry']>[number]

/** A fresh process runs the entry's file once cold and three times warm (bench/coldRun.ts). */
function coldRun(file: string): Promise<{ coldMs: number; warmMs: number[]; coldCpuMs: number; warmCpuMs: number[]; gas: number; startupMs: number }> {
  // Compiled: next to this file's folder; under vitest (sources): the compiled copy in dist/.
  const here = fileURLToPath(new URL('../coldRun.js', import.meta.url))
  const script = existsSync(here) ? here : fileURLToPath(new URL('../../dist/bench/coldRun.js', import.meta.url))
  return new Promise((resolveRun, reject) => {
    // The V8 flags a one-file `replay file` runs with (src/cli/v8flags.ts), so the cold figure is what it pays.
    execFile(process.execPath, [...v8FlagsFor('replay', {}, ['file', file]), script, file], { maxBuffer: 1 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cold run of ${file}: ${stderr.split('\n').find((l) => /Error/.test(l))?.trim() ?? err.message}`))
      else resolveRun(JSON.parse(stdout.trim().split('\n').pop()!))
    })
  })
}

/**
 * `tessera replay file FILE` as a user runs it, from process start to exit (module loading, the worker pool,
 * reading and decoding the file, the guest, the report): the wall time of one block's replay from the shell.
 */
function replayCommand(file: string): Promise<number> {
  const here = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
  const cli = existsSync(here) ? here : fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url))
  return new Promise((resolveRun, reject) => {
    const t = performance.now()
    execFile(process.execPath, [cli, 'replay', 'file', file], { maxBuffer: 1 << 22, timeout: 600_000, env: { ...process.env, TESSERA_V8_FLAGS_APPLIED: undefined } }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`tessera replay file ${file}: ${stderr.split('\n').find((l) => /FAILED|Error/.test(l))?.trim() ?? err.message}`))
      else resolveRun(performance.now() - t)
    })
  })
}

/**
 * Block-by-block view of a file or real-chain run: warm Mgas/s (median of the interleaved rounds), the guest
 * against the stateful VM given the same crypto, cold (first block in a fresh process) against warm in that
 * same process, and where one warm guest pass spends its time by category (bench/categories.ts).
 */
async function perBlockReport(entries: BlockSetEntry[], perEntry: PerEntry[], native: ExecuteOptions, opts: { log: (line: string) => void }): Promise<NonNullable<SuiteResult['perBlock']>> {
  const rows: NonNullable<SuiteResult['perBlock']> = []
  for (const [i, entry] of entries.entries()) {
    const ms = perEntry[i]!.ms
    const mgas = Number(entry.gas) / 1e6
    const cold = entry.file !== undefined ? await coldRun(entry.file) : undefined
    const processWarm = cold !== undefined ? median(cold.warmMs) : undefined
    const replayMs = entry.file !== undefined ? await replayCommand(entry.file) : undefined
    const profile = await profileCpu(async () => {
      await runGuest(entry, native)
    }, { top: 1, intervalUs: 100 })
    rows.push({
      label: entry.label,
      gas: Number(entry.gas),
      warmMgasPerSecond: Number((mgas / (ms['guest-native']! / 1000)).toFixed(2)),
      statefulHostMgasPerSecond: Number((mgas / (ms['stateful-vm-host']! / 1000)).toFixed(2)),
      vsStatefulSameCrypto: Number((ms['stateful-vm-host']! / ms['guest-native']!).toFixed(2)),
      vsStateful: Number((ms['stateful-vm']! / ms['guest-native']!).toFixed(2)),
      ...(cold !== undefined
        ? { coldMs: Number(cold.coldMs.toFixed(1)), processWarmMs: Number(processWarm!.toFixed(1)), coldOverWarm: Number((cold.coldMs / processWarm!).toFixed(2)), coldCpuOverWarm: Number((cold.coldCpuMs / median(cold.warmCpuMs)).toFixed(2)), processStartToVerdictMs: Number(cold.startupMs.toFixed(0)), replayCommandMs: Number(replayMs!.toFixed(0)) }
        : {}),
      categories: timeByCategory(profile.profile),
    })
  }
  opts.log('  per block (warm: median of the rounds; cold: first run in a fresh process, against warm runs in that process; replay s: `tessera replay file` of the block, process start to exit):')
  opts.log(`    ${'block'.padEnd(36)} ${'Mgas'.padStart(6)} ${'warm Mgas/s'.padStart(11)} ${'x same-crypto VM'.padStart(16)} ${'cold ms'.padStart(8)} ${'cold/warm'.padStart(9)} ${'(cpu)'.padStart(6)} ${'replay s'.padStart(8)}  where the time goes`)
  for (const r of rows) {
    const where = r.categories.slice(0, 4).map((c) => `${c.category} ${c.percent.toFixed(0)}%`).join(', ')
    opts.log(`    ${r.label.slice(0, 36).padEnd(36)} ${(r.gas / 1e6).toFixed(1).padStart(6)} ${r.warmMgasPerSecond.toFixed(1).padStart(11)} ${('x' + r.vsStatefulSameCrypto.toFixed(2)).padStart(16)} ${(r.coldMs?.toFixed(0) ?? '-').padStart(8)} ${(r.coldOverWarm !== undefined ? 'x' + r.coldOverWarm.toFixed(2) : '-').padStart(9)} ${(r.coldCpuOverWarm !== undefined ? 'x' + r.coldCpuOverWarm.toFixed(2) : '-').padStart(6)} ${(r.replayCommandMs !== undefined ? (r.replayCommandMs / 1000).toFixed(2) : '-').padStart(8)}  ${where}`)
  }
  return rows
}

export function createGuestSuite(options: GuestSuiteOptions = {}): BenchSuite {
  return {
    name: 'guest',
    description: 'guest execution Mgas/s, single thread: stateless guest (native crypto, JS crypto) vs plain stateful @ethereumjs/vm',
    async run(opts): Promise<SuiteResult> {
      const setOpts: BlockSetOptions = { sources: options.sources, maxEntries: options.maxEntries, quick: opts.quick, log: opts.log }
      const started = performance.now()
      const perBlock = options.files !== undefined || options.set === 'real'
      const entries = options.files !== undefined ? await fileEntries(options.files) : options.set === 'real' ? await loadRealChainSet(opts.log) : await loadBlockSet(setOpts)
      const native = await hostGuestOptions()
      const setups = new Map<BlockSetEntry, Record<'stateful-vm' | 'stateful-vm-host', StatefulSetup>>()
      for (const e of entries) setups.set(e, { 'stateful-vm': await prepareStateful(e), 'stateful-vm-host': await prepareStateful(e, native) })
      const viaHeaders = entries.filter((e) => setups.get(e)!['stateful-vm'].validation !== 'blockchain').map((e) => e.label)
      opts.log(`  block set: ${describeBlockSet(entries)} (built in ${((performance.now() - started) / 1000).toFixed(1)} s, not timed)`)
      const notes: string[] = [
        `block set: ${describeBlockSet(entries)}${opts.quick ? ' (quick subset)' : ''}`,
        `guest-native crypto: keccak ${hostCrypto().description.keccak}, ecrecover ${hostCrypto().description.ecrecover}, BN254 ${native.bn254 ? 'wasmcurves' : 'noble'}${nativeAllowed() ? '' : ' (TESSERA_NATIVE=0: same as guest-js)'}`,
        'stateful-vm: @ethereumjs/vm runBlock with block validation on, header validated against its parent by @ethereumjs/blockchain (ancestors loaded untimed), MerkleStateManager + Caches over a MapDB copy of the pre-state, default noble crypto; stateful-vm-host: the same with guest-native\'s crypto',
        ...(viaHeaders.length > 0
          ? [`stateful-vm on ${viaHeaders.join(', ')}: ancestors do not reach genesis, so a Blockchain cannot be built; Blockchain.prototype.validateHeader runs over the witness headers instead (same checks)`]
          : []),
        'stateful-vm pre-state: EF cases = every node of the case\'s pre alloc; Hoodi/devnet = the witness nodes (a partial trie that covers the blocks)',
      ]
      const run = async (engine: Engine, entry: BlockSetEntry): Promise<number> => {
        let state: Map<string, Uint8Array> | undefined
        if (engine === 'stateful-vm' || engine === 'stateful-vm-host') state = new Map(entry.preState)
        const t = performance.now()
        const gas =
          engine === 'guest-native'
            ? await runGuest(entry, native)
            : engine === 'guest-js'
              ? await runGuest(entry, {})
              : await runStateful(entry, setups.get(entry)![engine], state!)
        const ms = performance.now() - t
        if (gas !== entry.gas) throw new Error(`${engine} on ${entry.label}: gas used ${gas} != ${entry.gas}`)
        return ms
      }
      // Warm-up (JIT, KZG setup, module caches): every engine over the light batches (< 5 Mgas), or only the
      // first batch in quick runs. Block by block (files, the real-chain set) every engine runs every block once
      // first: otherwise round 1 is each later block's first run in the process, half cold, and with two rounds
      // the "warm" median is the mean of a cold-ish run and a warm one (cold is measured on its own, coldRun).
      const fullWarmup = options.fullWarmup ?? (!opts.quick && !perBlock)
      const warmup = perBlock && !opts.quick ? entries : fullWarmup ? entries.filter((e) => e.gas < 5_000_000n) : entries.slice(0, 1)
      for (const entry of warmup) for (const engine of ENGINES) await run(engine, entry)
      const rounds = options.rounds ?? (opts.quick ? 1 : perBlock ? 3 : 2)
      // ms[engine][round][entry]
      const ms = Object.fromEntries(ENGINES.map((e) => [e, [] as number[][]])) as Record<Engine, number[][]>
      for (let r = 0; r < rounds; r++) {
        for (const engine of ENGINES) ms[engine].push([])
        for (const [i, entry] of entries.entries()) {
          // Rotate the engine order per entry and round so no engine always runs right after another.
          const order = ENGINES.map((_, k) => ENGINES[(k + i + r) % ENGINES.length]!)
          for (const engine of order) ms[engine][r]!.push(await run(engine, entry))
        }
        const sum = (e: Engine) => ms[e][r]!.reduce((a, b) => a + b, 0) / 1000
        opts.log(`  round ${r + 1}/${rounds}: ${ENGINES.map((e) => `${e} ${sum(e).toFixed(2)} s`).join(', ')}`)
      }
      const measurements: GuestMeasurement[] = []
      const ratios: Ratio[] = []
      const groups: [string, (e: BlockSetEntry) => boolean][] = [
        ['guest all blocks', () => true],
        ...(['hoodi', 'devnet', 'ef', 'real', 'file'] as EntrySource[]).map((s): [string, (e: BlockSetEntry) => boolean] => [`guest ${s}`, (e) => e.source === s]),
        ...BLOCK_KINDS.map((k): [string, (e: BlockSetEntry) => boolean] => [`kind ${k}`, (e) => e.kind === k]),
        ['guest ef EVM-heavy', (e) => e.source === 'ef' && e.kind === 'EVM-heavy'],
      ]
      for (const [group, pick] of groups) {
        const idx = entries.map((e, i) => (pick(e) ? i : -1)).filter((i) => i >= 0)
        if (idx.length === 0) continue
        const gas = idx.reduce((g, i) => g + Number(entries[i]!.gas), 0)
        const blocks = idx.reduce((n, i) => n + entries[i]!.blocks, 0)
        const value: Record<string, number> = {}
        for (const engine of ENGINES) {
          const perRound = ms[engine].map((round) => idx.reduce((s, i) => s + round[i]!, 0) / 1000)
          const seconds = median(perRound)
          value[engine] = gas / 1e6 / seconds
          const rates = perRound.map((s) => gas / 1e6 / s)
          measurements.push({ group, name: engine, value: value[engine]!, unit: 'Mgas/s', samples: rounds, rme: rme(rates), gas, seconds: Number(seconds.toFixed(4)), blocks })
          opts.log(`  ${group.padEnd(24)} ${engine.padEnd(16)} ${(gas / 1e6).toFixed(1).padStart(7)} Mgas ${seconds.toFixed(2).padStart(7)} s ${value[engine]!.toFixed(2).padStart(7)} Mgas/s`)
        }
        const ratio = (name: Engine, baseline: Engine) => ratios.push({ group, name, baseline, ratio: Number((value[name]! / value[baseline]!).toFixed(2)) })
        ratio('guest-native', 'stateful-vm')
        ratio('guest-native', 'stateful-vm-host')
        ratio('guest-native', 'guest-js')
        ratio('guest-js', 'stateful-vm')
      }
      const find = (group: string, baseline: Engine) => ratios.find((r) => r.group === group && r.name === 'guest-native' && r.baseline === baseline)
      const headline = find('guest all blocks', 'stateful-vm')!
      const evm = find('guest ef EVM-heavy', 'stateful-vm') ?? find('guest ef', 'stateful-vm')
      notes.push(
        `guest over all blocks: x${headline.ratio.toFixed(2)} the stateful @ethereumjs/vm, x${find('guest all blocks', 'stateful-vm-host')!.ratio.toFixed(2)} with the same crypto`,
        ...(evm ? [`guest on the EVM-heavy EF part: x${evm.ratio.toFixed(2)} the stateful VM`] : []),
        `${rounds} timed round(s) over the set, median per engine; per-block interleaved; single thread; noisy shared machine: treat ratios as ±15%`,
      )
      const perEntry = entries.map((e, i) => ({
        label: e.label,
        kind: e.kind,
        gas: Number(e.gas),
        ms: Object.fromEntries(ENGINES.map((engine) => [engine, Number(median(ms[engine].map((round) => round[i]!)).toFixed(2))])),
      }))
      // The batches that weigh most in the totals, with their own guest ÷ stateful ratio.
      opts.log('  heaviest batches (median ms; guest-native ÷ stateful-vm):')
      for (const e of [...perEntry].sort((a, b) => b.ms['stateful-vm']! - a.ms['stateful-vm']!).slice(0, 8)) {
        opts.log(`    ${e.label.slice(0, 48).padEnd(48)} ${e.kind.padEnd(13)} ${(e.gas / 1e6).toFixed(1).padStart(6)} Mgas  guest ${e.ms['guest-native']!.toFixed(0).padStart(6)}  stateful ${e.ms['stateful-vm']!.toFixed(0).padStart(6)}  x${(e.ms['stateful-vm']! / e.ms['guest-native']!).toFixed(2)}`)
      }
      const result: SuiteResult = { suite: 'guest', measurements, ratios, notes, perEntry }
      if (perBlock) {
        result.perBlock = await perBlockReport(entries, perEntry, native, opts)
        const t = REAL_CHAIN_TARGETS
        const sameCrypto = find('guest all blocks', 'stateful-vm-host')!.ratio
        const warm = measurements.find((m) => m.group === 'guest all blocks' && m.name === 'guest-native')!.value
        const colds = result.perBlock.flatMap((r) => (r.coldOverWarm !== undefined ? [r.coldOverWarm] : []))
        const worstCold = colds.length > 0 ? Math.max(...colds) : undefined
        const coldCpus = result.perBlock.flatMap((r) => (r.coldCpuOverWarm !== undefined ? [r.coldCpuOverWarm] : []))
        notes.push(
          `target guest >= x${t.vsStatefulSameCrypto} the stateful VM with the same crypto over the set: ${sameCrypto >= t.vsStatefulSameCrypto ? 'MET' : 'NOT met'} (x${sameCrypto.toFixed(2)})`,
          `target warm single-thread >= ${t.warmMgasPerSecond} Mgas/s over the set: ${warm >= t.warmMgasPerSecond ? 'MET' : 'NOT met'} (${warm.toFixed(1)} Mgas/s)`,
          ...(worstCold !== undefined ? [`target cold first block <= x${t.coldOverWarm} warm, every block: ${worstCold <= t.coldOverWarm ? 'MET' : 'NOT met'} (worst x${worstCold.toFixed(2)}; in CPU time, which other load does not inflate: worst x${Math.max(...coldCpus).toFixed(2)})`] : []),
        )
      }
      if (opts.profile) {
        // Untimed: the profiler slows what it samples. One guest-native pass over the whole set.
        const p = await profileCpu(async () => {
          for (const entry of entries) await runGuest(entry, native)
        }, { top: 10 })
        opts.log(`  profile (guest-native, one pass, ${p.totalMs.toFixed(0)} ms sampled): top 10 self time`)
        for (const f of p.top) opts.log(`    ${f.selfPercent.toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`)
        result.profile = { engine: 'guest-native', totalMs: Number(p.totalMs.toFixed(1)), top: p.top, cpuprofile: p.profile }
      }
      return result
    },
  }
}

export const guestSuite: BenchSuite = createGuestSuite()

// Standalone: node dist/bench/suites/guest.js [--quick] > guest.json
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick')
  guestSuite.run({ quick, timeMs: 1000, profile: process.argv.includes('--profile'), log: (l) => console.error(l) }).then((r) => console.log(JSON.stringify(r, null, 2)))
}
